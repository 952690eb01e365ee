import type { CwsConfig } from '../config.js';
import { clientFor, registryFailure } from '../registries.js';
import type { ResolveOutput } from '../resolve/types.js';

/** What the registry the image came from said about the launch `cws launch` reported. */
export interface LaunchReport {
  registry: string;
  listing: string;
  version: string;
  /** false: this identity already reported a launch of this version today. */
  counted: boolean;
  launch_count: number;
  /** The instance runs in an AWS account the reporter proved to the registry: a rating carries "launched it". */
  proven_account: boolean;
}

/**
 * The registry a launched image came from: the one whose resolve answered, else the one whose status check found
 * the image listed (an image pinned in a template or found by an EC2 search may still be a listed one).
 */
export function reportTarget(resolved: ResolveOutput): string | null {
  if (resolved.source.type === 'registry') return resolved.source.name;
  const v = resolved.status_check?.verdict;
  return v?.listing && (v.status === 'active' || v.status === 'deprecated') ? v.registry : null;
}

/**
 * Reports a launch to the registry the image came from (POST /api/v1/launches), with the account the instance runs
 * in when a token is stored (the registry counts it as "launched it" only if that user proved the account). Never
 * throws: a launch that could not be reported is still a launch, so the caller gets a warning instead.
 */
export async function reportLaunch(
  config: CwsConfig,
  resolved: ResolveOutput,
  accountId: string | null,
  timeoutMs: number | undefined,
): Promise<{ report: LaunchReport | null; warning: string | null }> {
  const name = reportTarget(resolved);
  if (!name) return { report: null, warning: null };
  const entry = config.registries.find((r) => r.name === name);
  if (!entry) return { report: null, warning: null };
  const client = clientFor(entry, { timeoutMs, retries: 1, maxRetryAfterMs: 2000 });
  try {
    const r = await client.reportLaunch({
      ami_id: resolved.ami_id,
      region: resolved.region,
      // Anonymous reports cannot prove an account: the account id is only sent with a token.
      ...(entry.token && accountId ? { aws_account: accountId } : {}),
    });
    return {
      report: {
        registry: name,
        listing: r.listing,
        version: r.version,
        counted: r.counted,
        launch_count: r.launch_count,
        proven_account: r.proven_account,
      },
      warning: null,
    };
  } catch (err) {
    const e = registryFailure(err, entry, `report the launch to ${name}`) as Error;
    return { report: null, warning: `the launch was not reported: ${e.message}` };
  }
}
