import {
  type ExcludedImage,
  type ResolveQuery,
  type ResolveResult,
  type SeverityCounts,
  severityRank,
} from '@cws/shared';
import type { Principal } from '../auth/tokens.js';
import { type Cache, CacheProbe } from '../cache/cache.js';
import { JsonText } from '../cache/json-text.js';
import type { Database } from '../db/database.js';
import {
  type ResolvePolicy,
  type ResolveRow,
  resolveCandidates,
  resolveExclusions,
  resolveHit,
} from '../db/queries/resolve.js';
import { listingCandidates } from '../db/queries/resolve-listing.js';
import { type RevokedAncestor, revokedAncestors } from '../db/queries/trust.js';
import { NotFoundError } from '../errors.js';
import { type AccessScope, AccessService } from './access.js';
import type { DownloadCounter } from './downloads.js';
import { round2, toRevokedAncestor, toScan, toVerification } from './present.js';
import { type ListingPin, pickFromListing } from './resolve-listing.js';
import { acceptedByScan, blockedReasons, judge, type ScanPolicy } from './scan-policy.js';

/** A miss: why, and (explain=true) the images the policy passed over. */
type Miss = { miss: string; excluded?: Array<{ path: string; message: string }> };

/** What #pick finds: the answer, and what to count. */
interface ResolveAnswer {
  result: ResolveResult;
  imageId: number;
  versionId: number;
}

/**
 * What the cache keeps per resolve: the answer as JSON text (serialised once, not per hit, and
 * the cache's byte bound measures what is sent), and what to count.
 */
interface CachedAnswer {
  json: string;
  imageId: number;
  versionId: number;
}

/** Request keys remembered for the lean path: at most this many, of at most this length. */
const REQUEST_KEYS_MAX = 4096;
const REQUEST_KEY_LENGTH_MAX = 1024;

export class ResolveService {
  /** The bytes of each cached answer, made on its first hit in this process and dropped with it. */
  #bytes = new WeakMap<CachedAnswer, JsonText<ResolveResult>>();
  /**
   * Anonymous requests answered before, by request key (the raw URL: http/cached-get.ts): the
   * cache key their answer lives under, and whether they count a download. The same raw URL
   * always parses to the same template, query and so key, so a later request with it may look
   * the entry up without parsing anything (`cached`).
   */
  #byRequest = new Map<string, { probe: CacheProbe; count: boolean }>();

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
    requestKey?: string,
  ): Promise<JsonText<ResolveResult>> {
    const scope = await this.access.scope(viewer);
    const scan: ScanPolicy | null =
      query.max_severity === undefined
        ? null
        : {
            maxSeverity: query.max_severity,
            mode: query.severity_mode ?? 'warn',
            allowUnscanned: query.allow_unscanned === true,
          };
    const block = scan?.mode === 'block';
    const policy: ResolvePolicy = {
      template,
      region: query.region,
      architecture: query.architecture,
      minRating: query.min_rating,
      verifiedOnly: query.verified_only,
      // Only block mode filters; warn mode resolves as without a policy and judges the answer.
      maxSeverityRank: block ? severityRank(scan.maxSeverity) : undefined,
      allowUnscanned: block ? scan.allowUnscanned : undefined,
      channel: query.channel,
    };
    const lineage = query.revoked_lineage ?? 'warn';
    const explain = query.explain === true;
    // The viewer's scope is part of the key: org and private listings never answer someone else.
    // So is the listing a resolve is pinned to: a pinned answer never serves an unpinned request,
    // nor the other way round (an unpinned key is spelled as before).
    const pinned = query.listing === undefined ? {} : { listing: query.listing };
    const key = `resolve:${scope.key}:${JSON.stringify({ policy, scan, lineage, explain, ...pinned })}` as const;
    const answer = await this.cache.wrap(key, async (): Promise<CachedAnswer | Miss> => {
      const picked = await this.#pick(policy, query, lineage, scope, scan, explain);
      if ('miss' in picked) return picked;
      return { json: JSON.stringify(picked.result), imageId: picked.imageId, versionId: picked.versionId };
    });
    if ('miss' in answer) throw new NotFoundError(answer.miss, 'no_match', answer.excluded);
    if (query.count !== false) this.downloads.count(answer.imageId, answer.versionId, identity);
    if (!this.cache.enabled) return new JsonText(Buffer.from(answer.json));
    // Only anonymous viewers: the key's scope is then always the same (ANONYMOUS).
    if (requestKey !== undefined && viewer === null && requestKey.length <= REQUEST_KEY_LENGTH_MAX) {
      if (this.#byRequest.size >= REQUEST_KEYS_MAX) this.#byRequest.clear();
      this.#byRequest.set(requestKey, { probe: new CacheProbe(key), count: query.count !== false });
    }
    return this.#bytesOf(answer);
  }

  /**
   * The cached answer to an anonymous request seen before (by its request key), counted as a
   * download for identity() as resolve() counts it; undefined when there is none in this
   * process's cache tier (not seen, expired, a write made it stale, a miss): then resolve().
   */
  cached(requestKey: string, identity: () => string): JsonText<ResolveResult> | undefined {
    const entry = this.#byRequest.get(requestKey);
    if (entry === undefined) return undefined;
    const answer = this.cache.peek(entry.probe) as CachedAnswer | Miss | undefined;
    if (answer === undefined || 'miss' in answer) return undefined;
    if (entry.count) this.downloads.count(answer.imageId, answer.versionId, identity());
    return this.#bytesOf(answer);
  }

  #bytesOf(answer: CachedAnswer): JsonText<ResolveResult> {
    let bytes = this.#bytes.get(answer);
    if (!bytes) {
      bytes = new JsonText(Buffer.from(answer.json));
      this.#bytes.set(answer, bytes);
    }
    return bytes;
  }

  async #pick(
    policy: ResolvePolicy,
    query: ResolveQuery,
    lineage: 'warn' | 'block',
    scope: AccessScope,
    scan: ScanPolicy | null,
    explain: boolean,
  ): Promise<ResolveAnswer | Miss> {
    // Images built on a revoked image: warned about (the fast path brings the nearest revoked
    // ancestor along), or (policy block) passed over for the next best.
    const db = this.database.db;
    // listing=OWNER/NAME: only that listing's images, by a query of its own (services/resolve-listing.ts).
    if (query.listing !== undefined) {
      const pinned = await pickFromListing(db, query.listing, policy, scope, scan, lineage);
      if ('miss' in pinned) return { miss: pinned.miss };
      const excluded = explain
        ? await this.#excluded(policy, scope, scan, lineage, pinned.best, pinned.pin)
        : undefined;
      return this.#answer(pinned.best, pinned.ancestor, null, policy, query, scan, excluded, pinned.pin);
    }
    let candidates: ResolveRow[];
    let ancestors: Map<number, RevokedAncestor>;
    let accepted: Map<number, SeverityCounts> | null = null;
    if (lineage === 'block') {
      candidates = await resolveCandidates(db, policy, 25, true, scope);
      ancestors = await revokedAncestors(
        db,
        candidates.map((c) => c.version_id),
      );
    } else {
      const hit = await resolveHit(db, policy, scope, { accepted: scan !== null });
      candidates = hit ? [hit.row] : [];
      ancestors = new Map(hit?.ancestor ? [[hit.row.version_id, hit.ancestor]] : []);
      if (hit?.accepted && hit.row.scan_status === 'complete' && hit.row.scan_id != null)
        accepted = new Map([[Number(hit.row.scan_id), hit.accepted]]);
      else if (hit) accepted = new Map();
    }
    const best = lineage === 'block' ? candidates.find((c) => !ancestors.has(c.version_id)) : candidates[0];
    const excluded = explain ? await this.#excluded(policy, scope, scan, lineage, best) : undefined;
    if (!best) {
      const miss = await this.#explainMiss(policy, scope, scan);
      const text =
        candidates.length > 0 ? `${miss}; ${candidates.length} built on a revoked image (revoked_lineage=block)` : miss;
      const detail = excluded?.length
        ? `; passed over: ${excluded.map((e) => `${e.listing}@${e.version} ${e.ami_id} (${e.reasons.join('; ')})`).join(', ')}`
        : '';
      // explain=true: each image passed over as a detail (path "OWNER/NAME@VERSION AMI"), for clients to list.
      const details = excluded?.map((e) => ({
        path: `${e.listing}@${e.version} ${e.ami_id}`,
        message: e.reasons.join('; '),
      }));
      return { miss: `${text}${detail}`, ...(details?.length ? { excluded: details } : {}) };
    }
    return this.#answer(best, ancestors.get(best.version_id), accepted, policy, query, scan, excluded);
  }

  /** The answer for the chosen row: what it is, why it was chosen, what to warn about. */
  async #answer(
    best: ResolveRow,
    ancestor: RevokedAncestor | undefined,
    accepted: Map<number, SeverityCounts> | null,
    policy: ResolvePolicy,
    query: ResolveQuery,
    scan: ScanPolicy | null,
    excluded: ExcludedImage[] | undefined,
    pin?: ListingPin,
  ): Promise<ResolveAnswer> {
    const db = this.database.db;
    const verdict = scan ? judge(best, scan, accepted ?? (await acceptedByScan(db, [best]))) : null;
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
        launch_count: Number(best.launch_count),
        verified: Boolean(best.verified),
      },
      version: { version: best.version, status: best.status, channel: query.channel ?? null },
      verification: toVerification(best, this.verification?.noAwsReason ?? null),
      scan: toScan(best),
      reason: reasonFor(best, policy, pin),
      warnings: [
        ...(ancestor ? [toRevokedAncestor(ancestor).message] : []),
        ...warningsFor(best, verdict === null),
        ...(verdict && verdict.verdict !== 'passed' ? [verdict.message] : []),
      ],
      policy: verdict,
      ...(excluded ? { excluded } : {}),
    };
    return { result, imageId: best.image_id, versionId: best.version_id };
  }

  /** explain=true: the images ranked above the answer (or all, on a miss) that the policy passed over, and why. */
  async #excluded(
    p: ResolvePolicy,
    scope: AccessScope,
    scan: ScanPolicy | null,
    lineage: 'warn' | 'block',
    best: ResolveRow | undefined,
    pin?: ListingPin,
  ): Promise<ExcludedImage[]> {
    const db = this.database.db;
    const all = pin
      ? await listingCandidates(db, pin.imageId, p, 50, false, scope)
      : await resolveCandidates(db, p, 50, false, scope);
    const end = best ? all.findIndex((r) => r.ami_id === best.ami_id && r.version_id === best.version_id) : -1;
    const above = end >= 0 ? all.slice(0, end) : all;
    const [accepted, ancestors] = await Promise.all([
      acceptedByScan(db, above),
      lineage === 'block'
        ? revokedAncestors(
            db,
            above.map((r) => r.version_id),
          )
        : Promise.resolve(new Map()),
    ]);
    const out: ExcludedImage[] = [];
    for (const r of above) {
      const reasons: string[] = [];
      if (p.minRating !== undefined && Number(r.rating_avg) < p.minRating)
        reasons.push(`rated ${round2(r.rating_avg)}, below min_rating ${p.minRating}`);
      if (p.verifiedOnly && r.verification_status !== 'verified')
        reasons.push(`verification is ${r.verification_status}, and verified_only is set`);
      if (scan?.mode === 'block') {
        const v = judge(r, scan, accepted);
        if (v.verdict === 'above' || (v.verdict === 'unscanned' && !scan.allowUnscanned)) reasons.push(v.message);
      }
      if (ancestors.has(r.version_id)) reasons.push('built on a revoked image (revoked_lineage=block)');
      if (reasons.length > 0)
        out.push({ listing: `${r.owner}/${r.name}`, version: r.version, ami_id: r.ami_id, reasons });
      if (out.length >= 20) break;
    }
    return out;
  }

  async #explainMiss(p: ResolvePolicy, scope: AccessScope, scan: ScanPolicy | null): Promise<string> {
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
    if (scan?.mode === 'block') reasons.push(...(await blockedReasons(this.database.db, open, scan)));
    return `no image for ${where} matches the policy (${counts.total} known: ${reasons.join(', ') || 'none usable'})`;
  }
}

function reasonFor(r: ResolveRow, p: ResolvePolicy, pin?: ListingPin): string {
  const parts = [
    pin
      ? `listing ${pin.ref} (listing=): its best match for ${p.template} in ${p.region}/${p.architecture}`
      : `best match for ${p.template} in ${p.region}/${p.architecture}`,
  ];
  parts.push(
    r.status === 'active' ? `active version ${r.version}` : `deprecated version ${r.version} (no active one matches)`,
  );
  if (r.verification_status === 'verified') parts.push('verified');
  parts.push(Number(r.rating_count) > 0 ? `rated ${round2(r.rating_avg)} by ${r.rating_count}` : 'not rated yet');
  if (p.channel) parts.push(`channel ${p.channel}`);
  return parts.join('; ');
}

/** `scanNotes`: without a scan policy, say what the scan found (with one, its verdict says it). */
function warningsFor(r: ResolveRow, scanNotes: boolean): string[] {
  const w: string[] = [];
  if (r.status === 'deprecated') w.push(`version ${r.version} is deprecated`);
  if (r.verification_status !== 'verified')
    w.push('not verified by the registry: ownership and launchability are unchecked');
  if (!scanNotes) return w;
  if (!r.scan_status) w.push('not scanned for vulnerabilities yet');
  else if (Number(r.critical ?? 0) > 0 || Number(r.high ?? 0) > 0) {
    w.push(`latest scan found ${r.critical ?? 0} critical and ${r.high ?? 0} high findings`);
  }
  return w;
}
