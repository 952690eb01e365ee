import { type SqlBool, sql } from 'kysely';
import type { Db } from '../database.js';
import { LATEST_SCAN_COLUMNS, latestScan } from './scans.js';

export interface ResolvePolicy {
  template: string;
  region: string;
  architecture: 'x86_64' | 'arm64';
  minRating?: number;
  verifiedOnly?: boolean;
  /** Highest severity rank allowed (0 informational .. 4 critical); unscanned images fail. */
  maxSeverityRank?: number;
  channel?: string;
}

/** Severity columns above a rank: rank 2 (medium) allows nothing in high or critical. */
const SEVERITY_COLUMNS = ['informational', 'low', 'medium', 'high', 'critical'] as const;

/**
 * Region rows for a template/region/architecture under a policy, best first:
 * active before deprecated, verified first, then rating, number of ratings, downloads,
 * newest version. Revoked versions and unavailable images never match.
 */
export function resolveCandidates(db: Db, p: ResolvePolicy, limit: number, applyPolicy: boolean) {
  let q = db
    .selectFrom('image_regions as r')
    .innerJoin('image_versions as v', 'v.id', 'r.version_id')
    .innerJoin('images as i', 'i.id', 'v.image_id')
    .innerJoin('users as u', 'u.id', 'i.owner_id')
    .leftJoinLateral(latestScan, (join) => join.onTrue())
    .select([
      'i.id as image_id',
      'i.name',
      'u.handle as owner',
      'i.rating_avg',
      'i.rating_count',
      'i.download_count',
      'i.verified',
      'v.id as version_id',
      'v.version',
      'v.status',
      'r.ami_id',
      'r.verification_status',
      'r.verification_reason',
      'r.last_verified_at',
    ])
    .select(LATEST_SCAN_COLUMNS)
    .where('i.template', '=', p.template)
    .where('i.visibility', '<>', 'private')
    .where('r.region', '=', p.region)
    .where('r.architecture', '=', p.architecture)
    .where('r.state', '=', 'available')
    .where('v.status', '<>', 'revoked');
  if (p.channel) {
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('channels as c')
          .select(sql`1`.as('one'))
          .whereRef('c.image_id', '=', 'i.id')
          .whereRef('c.version_id', '=', 'v.id')
          .where('c.name', '=', p.channel!),
      ),
    );
  }
  if (applyPolicy) {
    if (p.minRating !== undefined) q = q.where('i.rating_avg', '>=', p.minRating);
    if (p.verifiedOnly) q = q.where('r.verification_status', '=', 'verified');
    if (p.maxSeverityRank !== undefined) {
      q = q.where('s.scan_status', '=', 'complete');
      for (const column of SEVERITY_COLUMNS.slice(p.maxSeverityRank + 1)) {
        q = q.where(sql<SqlBool>`s.${sql.ref(column)} = 0`);
      }
    }
  }
  return q
    .orderBy(sql`(v.status = 'active')`, 'desc')
    .orderBy(sql`(r.verification_status = 'verified')`, 'desc')
    .orderBy('i.rating_avg', 'desc')
    .orderBy('i.rating_count', 'desc')
    .orderBy('i.download_count', 'desc')
    .orderBy('v.id', 'desc')
    .limit(limit)
    .execute();
}
export type ResolveRow = Awaited<ReturnType<typeof resolveCandidates>>[number];

/** Counts of why images were excluded, for a helpful "nothing matches" message. */
export async function resolveExclusions(db: Db, p: ResolvePolicy) {
  const row = await db
    .selectFrom('image_regions as r')
    .innerJoin('image_versions as v', 'v.id', 'r.version_id')
    .innerJoin('images as i', 'i.id', 'v.image_id')
    .select([
      sql<number>`count(*)::int`.as('total'),
      sql<number>`count(*) FILTER (WHERE v.status = 'revoked')::int`.as('revoked'),
      sql<number>`count(*) FILTER (WHERE r.state <> 'available')::int`.as('unavailable'),
    ])
    .where('i.template', '=', p.template)
    .where('i.visibility', '<>', 'private')
    .where('r.region', '=', p.region)
    .where('r.architecture', '=', p.architecture)
    .executeTakeFirstOrThrow();
  return row;
}
