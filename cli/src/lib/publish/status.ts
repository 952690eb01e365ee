import type { RegistryClient, VersionDetail } from '@cws/shared';
import type { RegistryEntry } from '../config.js';
import type { CliContext } from '../context.js';
import { CwsError } from '../errors.js';
import { listingForAmi, parseRef } from '../listings.js';
import { clientFor, pickRegistry, registryFailure } from '../registries.js';
import { type Ec2Step, type RegionReport, retireInEc2 } from './retire-ec2.js';

export type StatusAction = 'deprecate' | 'revoke';

/** What a deprecation or revocation will do, found before anything changes (the confirmation shows it). */
export interface StatusPlan {
  action: StatusAction;
  registry: string;
  listing: string;
  version: string;
  /** The version's status now: a revoked version is not revoked again, but its EC2 steps can still be run. */
  current_status: VersionDetail['status'];
  /** Every image of the version, one per region and architecture. */
  images: { region: string; architecture: string; ami_id: string }[];
}

export interface PlannedStatus {
  plan: StatusPlan;
  detail: VersionDetail;
  entry: RegistryEntry;
  client: RegistryClient;
  owner: string;
  name: string;
}

export interface StatusChangeResult extends VersionDetail {
  registry: string;
  listing: string;
  /** `changed`: the registry recorded it now; `unchanged`: the version was revoked (or deprecated) already. */
  registry_change: 'changed' | 'unchanged';
  /** The EC2 steps asked for, in the caller's own account, per region. */
  ec2_steps: Ec2Step[];
  ec2: RegionReport[];
}

/** Looks the version up (by OWNER/NAME, or by an image id it publishes) on the chosen registry, with its images. */
export async function planStatus(
  ctx: CliContext,
  refText: string,
  version: string,
  action: StatusAction,
  registry: string | undefined,
): Promise<PlannedStatus> {
  const ref = parseRef(refText);
  const entry = pickRegistry(await ctx.config(), registry ?? (await ctx.defaultRegistry()));
  if (!entry.token) {
    throw new CwsError(`${action} needs a login: no token is stored for ${entry.name}`, {
      code: 'unauthorized',
      suggestions: [`log in: cws login --aws --registry ${entry.name}`],
    });
  }
  const client = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs });
  let owner: string;
  let name: string;
  if (ref.kind === 'listing') ({ owner, name } = ref);
  else {
    const found = await listingForAmi(client, ref.ami_id).catch((err) => {
      throw registryFailure(err, entry, `find the listing of ${ref.ami_id}`);
    });
    if (!found) {
      throw new CwsError(`no listing on ${entry.name} publishes ${ref.ami_id}`, {
        code: 'not_found',
      });
    }
    ({ owner, name } = found);
  }
  const listing = await client.getListing(owner, name).catch((err) => {
    throw registryFailure(err, entry, `look up ${owner}/${name}`);
  });
  const detail = listing.versions.find((v) => v.version === version);
  if (!detail) {
    throw new CwsError(`${owner}/${name} has no version ${version} on ${entry.name}`, {
      code: 'not_found',
      suggestions: [`its versions: ${listing.versions.map((v) => v.version).join(', ') || '(none)'}`],
    });
  }
  return {
    plan: {
      action,
      registry: entry.name,
      listing: `${owner}/${name}`,
      version,
      current_status: detail.status,
      images: detail.regions.map((r) => ({ region: r.region, architecture: r.architecture, ami_id: r.ami_id })),
    },
    detail,
    entry,
    client,
    owner,
    name,
  };
}

/**
 * Records the change on the registry first (the source of truth every cws asks), then runs the EC2 steps in every
 * region of the version. A version is not revoked (or deprecated) twice: its EC2 steps still run.
 */
export async function applyStatus(
  ctx: CliContext,
  planned: PlannedStatus,
  reason: string | undefined,
  steps: Ec2Step[],
  progress: (text: string) => void = () => {},
): Promise<StatusChangeResult> {
  const { plan, client, entry, owner, name } = planned;
  let detail = planned.detail;
  let change: StatusChangeResult['registry_change'] = 'changed';
  const already =
    plan.current_status === 'revoked' || (plan.action === 'deprecate' && plan.current_status === 'deprecated');
  if (already) {
    change = 'unchanged';
    if (plan.action === 'deprecate' && plan.current_status === 'revoked') {
      throw new CwsError(`${plan.listing}@${plan.version} is revoked; revocation is final`, {
        code: 'conflict',
      });
    }
  } else {
    try {
      detail =
        plan.action === 'revoke'
          ? await client.revoke(owner, name, plan.version, reason ?? '')
          : await client.deprecate(owner, name, plan.version, reason);
    } catch (err) {
      throw registryFailure(err, entry, `${plan.action} ${plan.listing}@${plan.version}`);
    }
  }
  const ec2 = steps.length > 0 ? await retireInEc2(await ctx.aws(), plan.images, steps, progress) : [];
  return { registry: entry.name, listing: plan.listing, ...detail, registry_change: change, ec2_steps: steps, ec2 };
}
