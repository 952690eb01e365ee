import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { ImagesTable } from '../tables/images.js';
import { LATEST_SCAN_COLUMNS, latestScan } from './scans.js';

/** A listing's counters (`image_stats as st`), as every listing read shows them. */
export const STATS_COLUMNS = [
  'st.rating_sum',
  'st.rating_count',
  'st.rating_avg',
  'st.download_count',
  'st.launch_count',
] as const;

/** The listing row with its owner's handle and counters, or undefined. */
export function findListing(db: Db, owner: string, name: string) {
  return db
    .selectFrom('images as i')
    .innerJoin('users as u', 'u.id', 'i.owner_id')
    .innerJoin('image_stats as st', 'st.image_id', 'i.id')
    .selectAll('i')
    .select(['u.handle as owner', ...STATS_COLUMNS])
    .where('u.handle', '=', owner)
    .where('i.name', '=', name)
    .executeTakeFirst();
}
export type ListingRow = NonNullable<Awaited<ReturnType<typeof findListing>>>;

/** Locks the listing row until the transaction ends: serialises rating and version writes. */
export function lockListing(db: Db, imageId: number) {
  return db.selectFrom('images').select('id').where('id', '=', imageId).forUpdate().executeTakeFirst();
}

export function insertListing(
  db: Db,
  listing: Pick<
    ImagesTable,
    'owner_id' | 'name' | 'template' | 'category' | 'description' | 'visibility' | 'tags' | 'search_doc'
  > & { created_by?: number | null },
) {
  return db.insertInto('images').values(listing).returning('id').executeTakeFirstOrThrow();
}

export function setVisibility(db: Db, imageId: number, visibility: 'public' | 'unlisted' | 'org' | 'private') {
  return db.updateTable('images').set({ visibility, updated_at: new Date() }).where('id', '=', imageId).execute();
}

export function touchListing(db: Db, imageId: number) {
  return db.updateTable('images').set({ updated_at: new Date() }).where('id', '=', imageId).execute();
}

/** Adds words to the search vocabulary (typo tolerance looks unknown query words up there). */
export async function addSearchWords(db: Db, words: string[]) {
  if (words.length === 0) return;
  await db
    .insertInto('search_words')
    .values(words.map((word) => ({ word })))
    .onConflict((oc) => oc.column('word').doNothing())
    .execute();
}

export function findVersion(db: Db, imageId: number, version: string) {
  return db
    .selectFrom('image_versions')
    .selectAll()
    .where('image_id', '=', imageId)
    .where('version', '=', version)
    .executeTakeFirst();
}

export function insertVersion(
  db: Db,
  v: {
    image_id: number;
    version: string;
    changelog: string | null;
    source_template: string | null;
    template_yaml?: string | null;
    parent_ami: string | null;
    parent_listing: string | null;
    created_by: number;
    hygiene?: unknown;
  },
) {
  return db.insertInto('image_versions').values(v).returningAll().executeTakeFirstOrThrow();
}

/** Replaces a version's validation-test report (a JSON document; objects, never strings, for both drivers). */
export function setTestReport(db: Db, versionId: number, report: Record<string, unknown>) {
  return db.updateTable('image_versions').set({ test_report: report }).where('id', '=', versionId).execute();
}

export function insertRegions(
  db: Db,
  rows: Array<{
    version_id: number;
    region: string;
    architecture: 'x86_64' | 'arm64';
    ami_id: string;
    owner_account: string | null;
  }>,
) {
  if (rows.length === 0) return Promise.resolve([]);
  return db.insertInto('image_regions').values(rows).returningAll().execute();
}

export function setVersionStatus(
  db: Db,
  versionId: number,
  status: 'active' | 'deprecated' | 'revoked',
  reason: string | null,
) {
  return db
    .updateTable('image_versions')
    .set({ status, status_reason: reason, status_changed_at: new Date() })
    .where('id', '=', versionId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Every version of a listing, newest first, with the creator's handle. */
export function listVersions(db: Db, imageId: number) {
  return db
    .selectFrom('image_versions as v')
    .innerJoin('users as u', 'u.id', 'v.created_by')
    .selectAll('v')
    .select('u.handle as created_by_handle')
    .where('v.image_id', '=', imageId)
    .orderBy('v.id', 'desc')
    .execute();
}

/** Region rows of the given versions, with the latest scan of each. */
export function listRegionsWithScans(db: Db, versionIds: number[]) {
  if (versionIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('image_regions as r')
    .leftJoinLateral(latestScan, (join) => join.onTrue())
    .selectAll('r')
    .select(LATEST_SCAN_COLUMNS)
    .where('r.version_id', 'in', versionIds)
    .orderBy('r.region')
    .orderBy('r.architecture')
    .execute();
}
export type RegionScanRow = Awaited<ReturnType<typeof listRegionsWithScans>>[number];

export function listChannels(db: Db, imageId: number) {
  return db
    .selectFrom('channels as c')
    .innerJoin('image_versions as v', 'v.id', 'c.version_id')
    .select(['c.name', 'v.version'])
    .where('c.image_id', '=', imageId)
    .orderBy('c.name')
    .execute();
}

export function upsertChannel(db: Db, imageId: number, name: string, versionId: number) {
  return db
    .insertInto('channels')
    .values({ image_id: imageId, name, version_id: versionId })
    .onConflict((oc) => oc.columns(['image_id', 'name']).doUpdateSet({ version_id: versionId, updated_at: new Date() }))
    .execute();
}

export function deleteChannel(db: Db, imageId: number, name: string) {
  return db.deleteFrom('channels').where('image_id', '=', imageId).where('name', '=', name).executeTakeFirst();
}

/** Region rows of non-revoked versions of these listings; best version first per listing. */
export function regionsOfListings(db: Db, imageIds: number[]) {
  if (imageIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('image_versions as v')
    .innerJoin('image_regions as r', 'r.version_id', 'v.id')
    .select([
      'v.image_id',
      'v.id as version_id',
      'v.version',
      'v.status',
      'r.region',
      'r.architecture',
      'r.ami_id',
      'r.verification_status',
    ])
    .where('v.image_id', 'in', imageIds)
    .where('v.status', '<>', 'revoked')
    .orderBy('v.image_id')
    .orderBy(sql`(v.status = 'active')`, 'desc')
    .orderBy('v.id', 'desc')
    .orderBy('r.region')
    .orderBy('r.architecture')
    .execute();
}

/** The listing that holds this EC2 image id (one at most: a unique index). */
export function findListingByAmi(db: Db, amiId: string) {
  return db
    .selectFrom('image_regions as r')
    .innerJoin('image_versions as v', 'v.id', 'r.version_id')
    .innerJoin('images as i', 'i.id', 'v.image_id')
    .innerJoin('users as u', 'u.id', 'i.owner_id')
    .select(['i.id', 'i.name', 'u.handle as owner', 'i.visibility', 'i.owner_id', 'i.created_by'])
    .where('r.ami_id', '=', amiId)
    .orderBy('i.id')
    .executeTakeFirst();
}

/** Adds buffered download counts in one statement per table. */
export async function addDownloads(db: Db, images: Map<number, number>, versions: Map<number, number>) {
  if (images.size > 0) {
    const rows = [...images].map(([id, n]) => sql`(${id}::bigint, ${n}::bigint)`);
    await sql`UPDATE image_stats AS s SET download_count = s.download_count + d.n
      FROM (VALUES ${sql.join(rows)}) AS d(id, n) WHERE s.image_id = d.id`.execute(db);
  }
  if (versions.size > 0) {
    const rows = [...versions].map(([id, n]) => sql`(${id}::bigint, ${n}::bigint)`);
    await sql`UPDATE image_versions AS v SET download_count = v.download_count + d.n
      FROM (VALUES ${sql.join(rows)}) AS d(id, n) WHERE v.id = d.id`.execute(db);
  }
}

export function countListings(db: Db) {
  return db
    .selectFrom('images')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
    .then((r) => Number(r.n));
}

/** Which listing versions already hold these EC2 image ids (one at most each: a unique index). */
export function amiHolders(db: Db, amiIds: string[]) {
  if (amiIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('image_regions as r')
    .innerJoin('image_versions as v', 'v.id', 'r.version_id')
    .innerJoin('images as i', 'i.id', 'v.image_id')
    .innerJoin('users as u', 'u.id', 'i.owner_id')
    .select([
      'r.id as region_id',
      'r.ami_id',
      'r.region',
      'r.architecture',
      'v.id as version_id',
      'v.version',
      'v.status',
      'i.id as image_id',
      'i.name',
      'i.owner_id',
      'u.handle as owner',
    ])
    .where('r.ami_id', 'in', amiIds)
    .execute();
}
export type AmiHolder = Awaited<ReturnType<typeof amiHolders>>[number];

export function deleteRegion(db: Db, regionId: number) {
  return db.deleteFrom('image_regions').where('id', '=', regionId).execute();
}
