import { type ResolveQuery, type ResolveResult, SEVERITIES, severityRank } from '@cws/shared';
import type { Principal } from '../auth/tokens.js';
import type { Cache } from '../cache/cache.js';
import type { Database } from '../db/database.js';
import {
  type ResolvePolicy,
  type ResolveRow,
  resolveBest,
  resolveCandidates,
  resolveExclusions,
} from '../db/queries/resolve.js';
import { revokedAncestors } from '../db/queries/trust.js';
import { NotFoundError } from '../errors.js';
import { type AccessScope, AccessService } from './access.js';
import type { DownloadCounter } from './downloads.js';
import { round2, toRevokedAncestor, toScan, toVerification } from './present.js';

/** What the cache keeps per resolve: the answer, and what to count. */
interface ResolveAnswer {
  result: ResolveResult;
  imageId: number;
  versionId: number;
}

export class ResolveService {
  constructor(
    private readonly database: Database,
    private readonly cache: Cache,
    private readonly downloads: DownloadCounter,
    /** Why images cannot be verified here, shown on those never checked. */
    private readonly verification: { readonly noAwsReason: string | null } | null = null,
    private readonly access: AccessService = new AccessService(database),
  ) {}

  /** The best image for a template under a policy, among the listings the viewer may see. Counts a download for the identity, unless count=false. */
  async resolve(
    template: string,
    query: ResolveQuery,
    identity: string,
    viewer: Principal | null = null,
  ): Promise<ResolveResult> {
    const scope = await this.access.scope(viewer);
    const policy: ResolvePolicy = {
      template,
      region: query.region,
      architecture: query.architecture,
      minRating: query.min_rating,
      verifiedOnly: query.verified_only,
      maxSeverityRank: query.max_severity === undefined ? undefined : severityRank(query.max_severity),
      channel: query.channel,
    };
    const lineage = query.revoked_lineage ?? 'warn';
    // The viewer's scope is part of the key: org and private listings never answer someone else.
    const answer = await this.cache.wrap(`resolve:${scope.key}:${JSON.stringify(policy)}:${lineage}`, () =>
      this.#pick(policy, query, lineage, scope),
    );
    if ('miss' in answer) throw new NotFoundError(answer.miss, 'no_match');
    if (query.count !== false) this.downloads.count(answer.imageId, answer.versionId, identity);
    return answer.result;
  }

  async #pick(
    policy: ResolvePolicy,
    query: ResolveQuery,
    lineage: 'warn' | 'block',
    scope: AccessScope,
  ): Promise<ResolveAnswer | { miss: string }> {
    // Images built on a revoked image: warned about, or (policy block) passed over for the next best.
    const candidates =
      lineage === 'block'
        ? await resolveCandidates(this.database.db, policy, 25, true, scope)
        : [await resolveBest(this.database.db, policy, scope)].filter((r): r is ResolveRow => r !== undefined);
    const ancestors = await revokedAncestors(
      this.database.db,
      candidates.map((c) => c.version_id),
    );
    const best = lineage === 'block' ? candidates.find((c) => !ancestors.has(c.version_id)) : candidates[0];
    if (!best) {
      const miss = await this.#explainMiss(policy, scope);
      return {
        miss:
          candidates.length > 0
            ? `${miss}; ${candidates.length} built on a revoked image (revoked_lineage=block)`
            : miss,
      };
    }
    const ancestor = ancestors.get(best.version_id);
    const result: ResolveResult = {
      ami_id: best.ami_id,
      region: policy.region,
      architecture: policy.architecture,
      template: policy.template,
      listing: {
        ref: `${best.owner}/${best.name}`,
        owner: best.owner,
        name: best.name,
        rating: { average: round2(best.rating_avg), count: Number(best.rating_count) },
        download_count: Number(best.download_count),
        verified: Boolean(best.verified),
      },
      version: { version: best.version, status: best.status, channel: query.channel ?? null },
      verification: toVerification(best, this.verification?.noAwsReason ?? null),
      scan: toScan(best),
      reason: reasonFor(best, policy),
      warnings: [...(ancestor ? [toRevokedAncestor(ancestor).message] : []), ...warningsFor(best)],
    };
    return { result, imageId: best.image_id, versionId: best.version_id };
  }

  async #explainMiss(p: ResolvePolicy, scope: AccessScope): Promise<string> {
    const where = `${p.template} in ${p.region}/${p.architecture}`;
    const counts = await resolveExclusions(this.database.db, p, scope);
    if (counts.total === 0) return `no image for ${where} in this registry`;
    const open = await resolveCandidates(this.database.db, p, 1000, false, scope);
    const reasons: string[] = [];
    if (counts.revoked > 0) reasons.push(`${counts.revoked} revoked`);
    if (counts.unavailable > 0) reasons.push(`${counts.unavailable} not available`);
    if (p.channel) reasons.push(`channel "${p.channel}" points at none of the others`);
    if (p.minRating !== undefined) {
      const low = open.filter((r) => Number(r.rating_avg) < p.minRating!).length;
      if (low > 0) reasons.push(`${low} rated below ${p.minRating}`);
    }
    if (p.verifiedOnly) {
      const unverified = open.filter((r) => r.verification_status !== 'verified').length;
      if (unverified > 0) reasons.push(`${unverified} not verified`);
    }
    if (p.maxSeverityRank !== undefined) {
      const unsafe = open.filter((r) => !passesSeverity(r, p.maxSeverityRank!)).length;
      if (unsafe > 0) reasons.push(`${unsafe} unscanned or with findings above the allowed severity`);
    }
    return `no image for ${where} matches the policy (${counts.total} known: ${reasons.join(', ') || 'none usable'})`;
  }
}

function passesSeverity(r: ResolveRow, maxRank: number): boolean {
  if (r.scan_status !== 'complete') return false;
  return SEVERITIES.slice(maxRank + 1).every((s) => Number(r[s] ?? 0) === 0);
}

function reasonFor(r: ResolveRow, p: ResolvePolicy): string {
  const parts = [`best match for ${p.template} in ${p.region}/${p.architecture}`];
  parts.push(
    r.status === 'active' ? `active version ${r.version}` : `deprecated version ${r.version} (no active one matches)`,
  );
  if (r.verification_status === 'verified') parts.push('verified');
  parts.push(Number(r.rating_count) > 0 ? `rated ${round2(r.rating_avg)} by ${r.rating_count}` : 'not rated yet');
  if (p.channel) parts.push(`channel ${p.channel}`);
  return parts.join('; ');
}

function warningsFor(r: ResolveRow): string[] {
  const w: string[] = [];
  if (r.status === 'deprecated') w.push(`version ${r.version} is deprecated`);
  if (r.verification_status !== 'verified')
    w.push('not verified by the registry: ownership and launchability are unchecked');
  if (!r.scan_status) w.push('not scanned for vulnerabilities yet');
  else if (Number(r.critical ?? 0) > 0 || Number(r.high ?? 0) > 0) {
    w.push(`latest scan found ${r.critical ?? 0} critical and ${r.high ?? 0} high findings`);
  }
  return w;
}
