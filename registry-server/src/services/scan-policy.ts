import {
  type ScanPolicyVerdict,
  SEVERITIES,
  SEVERITIES_HIGHEST_FIRST,
  type Severity,
  type SeverityCounts,
  severityRank,
} from '@cws/shared';
import type { Db } from '../db/database.js';
import { acceptedFindingCounts, type ResolveRow } from '../db/queries/resolve.js';

/**
 * The consumer's scan policy: `max_severity` with a mode. Warn (the default) resolves as if there
 * were no policy and says what the chosen image's latest scan found; block passes over images
 * above it (in SQL, `db/queries/resolve.ts`). Findings accepted by a live vulnerability exception
 * never count. An image without a complete scan is "unscanned": warned about in warn mode,
 * refused in block mode unless `allow_unscanned`, and never silently either way.
 */
export interface ScanPolicy {
  maxSeverity: Severity;
  mode: 'warn' | 'block';
  allowUnscanned: boolean;
}

type ScanColumns = Pick<
  ResolveRow,
  'scan_id' | 'scan_status' | 'scan_reason' | 'critical' | 'high' | 'medium' | 'low' | 'informational'
>;

/** Accepted findings by scan id and severity, for the rows' latest complete scans. */
export async function acceptedByScan(db: Db, rows: ScanColumns[]): Promise<Map<number, SeverityCounts>> {
  const ids = [
    ...new Set(rows.filter((r) => r.scan_status === 'complete' && r.scan_id != null).map((r) => Number(r.scan_id))),
  ];
  const out = new Map<number, SeverityCounts>();
  if (ids.length === 0) return out;
  for (const row of await acceptedFindingCounts(db, ids)) {
    const counts = out.get(Number(row.scan_id)) ?? zero();
    counts[row.severity] += Number(row.n);
    out.set(Number(row.scan_id), counts);
  }
  return out;
}

const zero = (): SeverityCounts => ({ critical: 0, high: 0, medium: 0, low: 0, informational: 0 });

const list = (counts: SeverityCounts, above: number) =>
  SEVERITIES_HIGHEST_FIRST.filter((s) => severityRank(s) > above && counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`)
    .join(', ');

/** How a row's latest scan fares under the policy. */
export function judge(row: ScanColumns, policy: ScanPolicy, accepted: Map<number, SeverityCounts>): ScanPolicyVerdict {
  const base = { max_severity: policy.maxSeverity, mode: policy.mode, allow_unscanned: policy.allowUnscanned };
  const max = severityRank(policy.maxSeverity);
  if (row.scan_status !== 'complete' || row.scan_id == null) {
    const why = row.scan_reason ? row.scan_reason : 'not scanned yet';
    const tail =
      policy.mode === 'warn'
        ? `max_severity ${policy.maxSeverity} could not be checked (warn mode)`
        : policy.allowUnscanned
          ? 'taken because allow_unscanned=true'
          : 'refused (allow_unscanned=true takes unscanned images)';
    return { ...base, verdict: 'unscanned', highest: null, counts: null, accepted: 0, message: `${why}; ${tail}` };
  }
  const ok = accepted.get(Number(row.scan_id)) ?? zero();
  const counts = zero();
  for (const s of SEVERITIES) counts[s] = Math.max(0, Number(row[s] ?? 0) - ok[s]);
  const acceptedAbove = SEVERITIES.filter((s) => severityRank(s) > max).reduce((n, s) => n + ok[s], 0);
  const highest = SEVERITIES_HIGHEST_FIRST.find((s) => counts[s] > 0) ?? null;
  const aboveList = list(counts, max);
  const acceptedNote = acceptedAbove > 0 ? `; ${acceptedAbove} above it accepted by exceptions` : '';
  if (!aboveList) {
    return {
      ...base,
      verdict: 'passed',
      highest,
      counts,
      accepted: acceptedAbove,
      message: `latest scan has nothing above ${policy.maxSeverity}${acceptedNote}`,
    };
  }
  return {
    ...base,
    verdict: 'above',
    highest,
    counts,
    accepted: acceptedAbove,
    message: `latest scan found ${aboveList} finding(s) above max_severity ${policy.maxSeverity}${acceptedNote}${
      policy.mode === 'warn' ? ' (warn mode: resolved anyway; severity_mode=block refuses it)' : ''
    }`,
  };
}

/**
 * Why a block-mode policy refuses these rows, for a miss's message: how many have findings above
 * it that no exception accepts, and (unless allowed) how many have no complete scan.
 */
export async function blockedReasons(db: Db, rows: ScanColumns[], policy: ScanPolicy): Promise<string[]> {
  const accepted = await acceptedByScan(db, rows);
  const verdicts = rows.map((r) => judge(r, policy, accepted).verdict);
  const unsafe = verdicts.filter((v) => v === 'above').length;
  const unscanned = verdicts.filter((v) => v === 'unscanned').length;
  const reasons: string[] = [];
  if (unsafe > 0) reasons.push(`${unsafe} with findings above max_severity ${policy.maxSeverity} not accepted`);
  if (unscanned > 0 && !policy.allowUnscanned)
    reasons.push(`${unscanned} not scanned (allow_unscanned=true takes them)`);
  return reasons;
}
