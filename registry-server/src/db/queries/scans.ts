import { type ExpressionBuilder, sql } from 'kysely';
import type { Db } from '../database.js';
import type { DB } from '../schema.js';
import type { ScanFindingsTable } from '../tables/scans.js';

/**
 * The scan a region image is judged by, as a lateral subquery named `s`: its latest complete
 * scan, or, when it never completed one, its latest failed one (whose reason says why). Use it as
 * `.leftJoinLateral(latestScan, (join) => join.onTrue()).select(LATEST_SCAN_COLUMNS)`.
 */
export function latestScan(eb: ExpressionBuilder<DB & { r: DB['image_regions'] }, 'r'>) {
  return eb
    .selectFrom('scans')
    .select([
      'scans.id as scan_id',
      'scanner',
      'status as scan_status',
      'reason as scan_reason',
      'critical',
      'high',
      'medium',
      'low',
      'informational',
      'scanned_at',
    ])
    .whereRef('scans.region_image_id', '=', 'r.id')
    .orderBy(sql`(scans.status = 'complete')`, 'desc')
    .orderBy('scanned_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .as('s');
}

export const LATEST_SCAN_COLUMNS = [
  's.scan_id',
  's.scanner',
  's.scan_status',
  's.scan_reason',
  's.critical',
  's.high',
  's.medium',
  's.low',
  's.informational',
  's.scanned_at',
] as const;

export const SEVERITY_RANK = { informational: 0, low: 1, medium: 2, high: 3, critical: 4 } as const;

/** What a scan job needs of a region image: its AMI, listing and version. */
export function scanTarget(db: Db, regionImageId: number) {
  return db
    .selectFrom('image_regions as r')
    .innerJoin('image_versions as v', 'v.id', 'r.version_id')
    .innerJoin('images as i', 'i.id', 'v.image_id')
    .innerJoin('users as u', 'u.id', 'i.owner_id')
    .select([
      'r.id',
      'r.region',
      'r.architecture',
      'r.ami_id',
      'v.id as version_id',
      'v.version',
      'v.status',
      'i.id as image_id',
      'i.name',
      'u.handle as owner',
    ])
    .where('r.id', '=', regionImageId)
    .executeTakeFirst();
}
export type ScanTarget = NonNullable<Awaited<ReturnType<typeof scanTarget>>>;

export type FindingRow = Omit<ScanFindingsTable, 'id' | 'scan_id' | 'severity_rank'>;

/** Stores a finished scan and its findings (in batches); returns the scan id. */
export async function insertScan(
  db: Db,
  scan: {
    region_image_id: number;
    scanner: string;
    status: 'complete' | 'failed';
    reason: string | null;
    started_at: Date;
    /** When it finished [default: now] (the demo catalogue writes scans of the past). */
    scanned_at?: Date;
    /** null: not run by a job (the demo catalogue). */
    job_id: number | null;
    findings: FindingRow[];
  },
): Promise<number> {
  const counts = { critical: 0, high: 0, medium: 0, low: 0, informational: 0 };
  for (const f of scan.findings) counts[f.severity] += 1;
  const top = [...scan.findings]
    .sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity])
    .slice(0, 5)
    .map((f) => ({ severity: f.severity, title: f.title }));
  const row = await db
    .insertInto('scans')
    .values({
      region_image_id: scan.region_image_id,
      scanner: scan.scanner,
      status: scan.status,
      reason: scan.reason,
      started_at: scan.started_at,
      finished_at: scan.scanned_at ?? new Date(),
      ...(scan.scanned_at ? { scanned_at: scan.scanned_at } : {}),
      job_id: scan.job_id,
      finding_count: scan.findings.length,
      // A JSON array as text cast to jsonb: postgres.js would send a JS array as a Postgres array.
      top_findings: sql<Array<{ severity: string; title: string }>>`cast(${JSON.stringify(top)} as jsonb)`,
      ...counts,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (let i = 0; i < scan.findings.length; i += 500) {
    await db
      .insertInto('scan_findings')
      .values(
        scan.findings
          .slice(i, i + 500)
          .map((f) => ({ ...f, scan_id: row.id, severity_rank: SEVERITY_RANK[f.severity] })),
      )
      .execute();
  }
  return row.id;
}

/** Critical and high vulnerability ids of the complete scan of a region image before `scanId`; null: none before. */
export async function previousSevere(db: Db, regionImageId: number, scanId: number): Promise<Set<string> | null> {
  const prev = await db
    .selectFrom('scans')
    .select('id')
    .where('region_image_id', '=', regionImageId)
    .where('status', '=', 'complete')
    .where('id', '<', scanId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!prev) return null;
  const rows = await db
    .selectFrom('scan_findings')
    .select('vulnerability_id')
    .where('scan_id', '=', prev.id)
    .where('severity_rank', '>=', 3)
    .execute();
  return new Set(rows.map((r) => r.vulnerability_id));
}

export async function severeIds(db: Db, scanId: number): Promise<Array<{ id: string; critical: boolean }>> {
  const rows = await db
    .selectFrom('scan_findings')
    .select(['vulnerability_id', sql<number>`max(severity_rank)`.as('rank')])
    .where('scan_id', '=', scanId)
    .where('severity_rank', '>=', 3)
    .groupBy('vulnerability_id')
    .execute();
  return rows.map((r) => ({ id: r.vulnerability_id, critical: Number(r.rank) >= 4 }));
}

/** The listing's mark and the latest new-finding entry of its audit log (what was new). */
export async function scanAlert(db: Db, imageId: number, since: Date) {
  const row = await db
    .selectFrom('audit_log')
    .select('details')
    .where('image_id', '=', imageId)
    .where('action', '=', 'scan.new_finding')
    .where('created_at', '>=', since)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return (row?.details ?? {}) as { vulnerability_ids?: string[]; critical?: number };
}

/** Clears the mark; true when there was one. */
export async function clearNewFinding(db: Db, imageId: number): Promise<boolean> {
  const r = await db
    .updateTable('images')
    .set({ new_finding_since: null })
    .where('id', '=', imageId)
    .where('new_finding_since', 'is not', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export function markNewFinding(db: Db, imageId: number) {
  return db
    .updateTable('images')
    .set({ new_finding_since: sql<Date>`coalesce(new_finding_since, now())` })
    .where('id', '=', imageId)
    .execute();
}

/** Finished scans of a version's region images, newest first. */
export function scanHistory(db: Db, versionId: number, limit: number) {
  return db
    .selectFrom('scans as s')
    .innerJoin('image_regions as r', 'r.id', 's.region_image_id')
    .select([
      's.id',
      'r.region',
      'r.architecture',
      'r.ami_id',
      's.scanner',
      's.status',
      's.reason',
      's.critical',
      's.high',
      's.medium',
      's.low',
      's.informational',
      's.finding_count',
      's.started_at',
      's.finished_at',
      's.scanned_at',
    ])
    .where('r.version_id', '=', versionId)
    .orderBy('s.id', 'desc')
    .limit(limit)
    .execute();
}

/** Queued and running scan jobs of a version's region images. */
export function activeScanJobs(db: Db, regionIds: number[]) {
  if (regionIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('jobs')
    .select(['id', 'state', 'attempts', 'progress', 'created_at', 'started_at', 'payload', 'last_error'])
    .where('kind', '=', 'scan-region')
    .where('state', 'in', ['queued', 'running'])
    .where(sql<number>`(payload->>'region_image_id')::bigint`, 'in', regionIds)
    .execute();
}

/** One page of the findings of these scans, most severe first (keyset on severity rank and id). */
export function findingsPage(
  db: Db,
  scanIds: number[],
  o: {
    minRank?: number;
    exactRank?: number;
    fixAvailable?: boolean;
    after?: { rank: number; id: number };
    limit: number;
  },
) {
  let q = db
    .selectFrom('scan_findings as f')
    .innerJoin('scans as s', 's.id', 'f.scan_id')
    .innerJoin('image_regions as r', 'r.id', 's.region_image_id')
    .select([
      'f.id',
      'f.vulnerability_id',
      'f.severity',
      'f.severity_rank',
      'f.inspector_score',
      'f.package_name',
      'f.installed_version',
      'f.fixed_version',
      'f.fix_available',
      'f.exploit_available',
      'f.title',
      'f.first_observed_at',
      'r.region',
      'r.architecture',
      'r.ami_id',
    ])
    .where('f.scan_id', 'in', scanIds.length ? scanIds : [-1]);
  if (o.exactRank !== undefined) q = q.where('f.severity_rank', '=', o.exactRank);
  if (o.minRank !== undefined) q = q.where('f.severity_rank', '>=', o.minRank);
  if (o.fixAvailable !== undefined) q = q.where('f.fix_available', '=', o.fixAvailable);
  if (o.after) {
    const a = o.after;
    q = q.where((eb) =>
      eb.or([eb('f.severity_rank', '<', a.rank), eb.and([eb('f.severity_rank', '=', a.rank), eb('f.id', '>', a.id)])]),
    );
  }
  return q.orderBy('f.severity_rank', 'desc').orderBy('f.id').limit(o.limit).execute();
}

/** Region image ids of active versions due a rescan: the newest active version of a listing after `latestSeconds`, older ones after `olderSeconds`. */
export async function regionsDueRescan(db: Db, latestSeconds: number, olderSeconds: number): Promise<number[]> {
  const rows = await sql<{ id: number }>`
    SELECT r.id FROM image_regions r
    JOIN image_versions v ON v.id = r.version_id AND v.status = 'active'
    LEFT JOIN LATERAL (SELECT max(s.scanned_at) AS at FROM scans s WHERE s.region_image_id = r.id) last ON true
    WHERE (
      v.id = (SELECT max(v2.id) FROM image_versions v2 WHERE v2.image_id = v.image_id AND v2.status = 'active')
      AND ${latestSeconds} > 0 AND (last.at IS NULL OR last.at < now() - make_interval(secs => ${latestSeconds}))
    ) OR (
      v.id <> (SELECT max(v2.id) FROM image_versions v2 WHERE v2.image_id = v.image_id AND v2.status = 'active')
      AND ${olderSeconds} > 0 AND (last.at IS NULL OR last.at < now() - make_interval(secs => ${olderSeconds}))
    )
    ORDER BY r.id LIMIT 5000`.execute(db);
  return rows.rows.map((r) => Number(r.id));
}

/** Vulnerability ids accepted for this listing (or registry-wide) and not expired, with who and why. */
export function activeExceptions(db: Db, imageId: number) {
  return db
    .selectFrom('vulnerability_exceptions as e')
    .innerJoin('users as u', 'u.id', 'e.created_by')
    .select([
      'e.id',
      'e.image_id',
      'e.vulnerability_id',
      'e.reason',
      'u.handle as author',
      'e.created_at',
      'e.expires_at',
    ])
    .where((eb) => eb.or([eb('e.image_id', '=', imageId), eb('e.image_id', 'is', null)]))
    .where('e.revoked_at', 'is', null)
    .where('e.expires_at', '>', sql<Date>`now()`)
    .execute();
}

/** Distinct regions that hold region images (where scan instances may have been started). */
export async function imageRegionNames(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('image_regions').select('region').distinct().execute();
  return rows.map((r) => r.region);
}

/** The latest complete scan of each region image of a version. */
export async function latestCompleteScans(db: Db, versionId: number): Promise<number[]> {
  const rows = await sql<{ id: number }>`
    SELECT DISTINCT ON (s.region_image_id) s.id FROM scans s
    JOIN image_regions r ON r.id = s.region_image_id
    WHERE r.version_id = ${versionId} AND s.status = 'complete'
    ORDER BY s.region_image_id, s.scanned_at DESC, s.id DESC`.execute(db);
  return rows.rows.map((r) => Number(r.id));
}

export async function imageIdOfVersion(db: Db, versionId: number): Promise<number> {
  const row = await db
    .selectFrom('image_versions')
    .select('image_id')
    .where('id', '=', versionId)
    .executeTakeFirstOrThrow();
  return row.image_id;
}
