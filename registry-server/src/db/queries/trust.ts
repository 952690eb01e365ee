import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../database.js';
import { LATEST_SCAN_COLUMNS, latestScan } from './scans.js';

/** Everything the status lookup says about each of these EC2 image ids that a listing holds. */
export function amiStatusRows(db: Db, amiIds: string[]) {
  if (amiIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('image_regions as r')
    .innerJoin('image_versions as v', 'v.id', 'r.version_id')
    .innerJoin('images as i', 'i.id', 'v.image_id')
    .innerJoin('users as u', 'u.id', 'i.owner_id')
    .leftJoinLateral(latestScan, (join) => join.onTrue())
    .select([
      'r.ami_id',
      'r.region',
      'r.architecture',
      'r.state',
      'r.verification_status',
      'r.verification_reason',
      'r.last_verified_at',
      'v.id as version_id',
      'v.version',
      'v.status',
      'v.status_reason',
      'i.id as image_id',
      'i.name',
      'i.owner_id',
      'i.created_by',
      'i.visibility',
      'u.handle as owner',
    ])
    .select(LATEST_SCAN_COLUMNS)
    .where('r.ami_id', 'in', amiIds)
    .execute();
}

export interface RevokedAncestor {
  version_id: number;
  ref: string;
  version: string;
  ami_id: string;
  reason: string | null;
  depth: number;
}

/**
 * For each version, its nearest revoked ancestor: a version holding the AMI it was saved from
 * (parent_ami), or that version's parent, and so on, across listings (20 generations at most,
 * which also ends any cycle).
 */
export async function revokedAncestors(db: Db, versionIds: number[]): Promise<Map<number, RevokedAncestor>> {
  const out = new Map<number, RevokedAncestor>();
  if (versionIds.length === 0) return out;
  const ids = sql.join(versionIds.map((id) => sql`${id}::bigint`));
  const rows = await sql<{
    start_id: number;
    version_id: number;
    version: string;
    reason: string | null;
    ami_id: string;
    owner: string;
    name: string;
    depth: number;
  }>`
    WITH RECURSIVE up(start_id, version_id, via_ami, depth) AS (
      SELECT v.id, v.id, NULL::text, 0 FROM image_versions v WHERE v.id IN (${ids})
      UNION ALL
      SELECT up.start_id, pv.id, pr.ami_id, up.depth + 1
      FROM up
      JOIN image_versions cv ON cv.id = up.version_id
      JOIN image_regions pr ON pr.ami_id = cv.parent_ami
      JOIN image_versions pv ON pv.id = pr.version_id
      WHERE up.depth < 20 AND cv.parent_ami IS NOT NULL
    )
    SELECT DISTINCT ON (up.start_id) up.start_id::int AS start_id, pv.id::int AS version_id, pv.version,
      pv.status_reason AS reason, up.via_ami AS ami_id, u.handle AS owner, i.name, up.depth::int AS depth
    FROM up
    JOIN image_versions pv ON pv.id = up.version_id
    JOIN images i ON i.id = pv.image_id
    JOIN users u ON u.id = i.owner_id
    WHERE up.depth > 0 AND pv.status = 'revoked'
    ORDER BY up.start_id, up.depth`.execute(db);
  for (const r of rows.rows) {
    out.set(Number(r.start_id), {
      version_id: Number(r.version_id),
      ref: `${r.owner}/${r.name}`,
      version: r.version,
      ami_id: r.ami_id,
      reason: r.reason,
      depth: Number(r.depth),
    });
  }
  return out;
}

/** The newest active version of each listing with its image for a region/architecture, if any. */
export function activeImages(db: Db, imageIds: number[]) {
  if (imageIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('image_versions as v')
    .innerJoin('images as i', 'i.id', 'v.image_id')
    .innerJoin('users as u', 'u.id', 'i.owner_id')
    .leftJoin('image_regions as r', (j) => j.onRef('r.version_id', '=', 'v.id').on('r.state', '=', 'available'))
    .select([
      'v.image_id',
      'v.id as version_id',
      'v.version',
      'u.handle as owner',
      'i.name',
      'r.region',
      'r.architecture',
      'r.ami_id',
    ])
    .where('v.image_id', 'in', imageIds)
    .where('v.status', '=', 'active')
    .orderBy('v.id', 'desc')
    .execute();
}

/** The lineage columns of these versions. */
export function versionLineageRows(db: Db, versionIds: number[]) {
  if (versionIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('image_versions')
    .select(['id', 'parent_ami', 'parent_listing'])
    .where('id', 'in', versionIds)
    .execute();
}
