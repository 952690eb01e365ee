import { sql } from 'kysely';
import type { Db } from '../database.js';

/** A version with what verification needs of its listing: owner, visibility, creator. */
export function findVersionTarget(db: Db, versionId: number) {
  return db
    .selectFrom('image_versions as v')
    .innerJoin('images as i', 'i.id', 'v.image_id')
    .innerJoin('users as u', 'u.id', 'i.owner_id')
    .innerJoin('users as c', 'c.id', 'v.created_by')
    .select([
      'v.id as version_id',
      'v.version',
      'v.status',
      'v.created_by',
      'c.handle as creator',
      'i.id as image_id',
      'i.name',
      'i.owner_id',
      'i.visibility',
      'u.handle as owner',
    ])
    .where('v.id', '=', versionId)
    .executeTakeFirst();
}
export type VersionTarget = NonNullable<Awaited<ReturnType<typeof findVersionTarget>>>;

export function findVersionId(db: Db, owner: string, name: string, version: string) {
  return db
    .selectFrom('image_versions as v')
    .innerJoin('images as i', 'i.id', 'v.image_id')
    .innerJoin('users as u', 'u.id', 'i.owner_id')
    .select(['v.id', 'i.owner_id', 'i.visibility'])
    .where('u.handle', '=', owner)
    .where('i.name', '=', name)
    .where('v.version', '=', version)
    .executeTakeFirst();
}

export function regionsOfVersion(db: Db, versionId: number) {
  return db
    .selectFrom('image_regions')
    .selectAll()
    .where('version_id', '=', versionId)
    .orderBy('region')
    .orderBy('architecture')
    .execute();
}

export interface RegionPatch {
  owner_account?: string | null;
  verification_reason?: string | null;
  last_verified_at?: Date | null;
  state?: 'available' | 'pending' | 'unavailable';
  verification_status?: 'unverified' | 'verified' | 'failed';
}

export function updateRegion(db: Db, id: number, patch: RegionPatch) {
  return db.updateTable('image_regions').set(patch).where('id', '=', id).execute();
}

/** Sets the same fields on every region of a version (pending while checked; no AWS). */
export function updateVersionRegions(db: Db, versionId: number, patch: RegionPatch) {
  return db.updateTable('image_regions').set(patch).where('version_id', '=', versionId).execute();
}

export function insertVerifications(
  db: Db,
  rows: Array<{
    region_image_id: number;
    status: 'verified' | 'failed';
    reason: string | null;
    details: Record<string, unknown>;
  }>,
) {
  if (rows.length === 0) return Promise.resolve();
  return db.insertInto('verifications').values(rows).execute();
}

/** The latest checks of a region, newest first. */
export function listVerifications(db: Db, regionImageId: number, limit = 20) {
  return db
    .selectFrom('verifications')
    .selectAll()
    .where('region_image_id', '=', regionImageId)
    .orderBy('checked_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export async function listingVerified(db: Db, imageId: number): Promise<boolean> {
  const row = await db.selectFrom('images').select('verified').where('id', '=', imageId).executeTakeFirst();
  return Boolean(row?.verified);
}

/**
 * images.verified: every region of the listing's latest active version is verified.
 * For one listing, or every listing when imageId is null (the scheduled pass, which also
 * catches versions revoked or deprecated since the last check).
 */
export async function refreshListingVerified(db: Db, imageId: number | null) {
  await sql`UPDATE images AS i SET verified = s.ok
    FROM (
      SELECT l.id, coalesce((
        SELECT bool_and(r.verification_status = 'verified')
        FROM image_regions r
        WHERE r.version_id = (
          SELECT v.id FROM image_versions v
          WHERE v.image_id = l.id AND v.status = 'active'
          ORDER BY v.id DESC LIMIT 1)
      ), false) AS ok
      FROM images l
      WHERE ${imageId === null ? sql`true` : sql`l.id = ${imageId}`}
    ) AS s
    WHERE i.id = s.id AND i.verified <> s.ok`.execute(db);
}

/**
 * Versions the scheduled pass re-checks: not revoked, and either checked before, left
 * pending, or listed by someone who proved an AWS account. Imported catalogue entries whose
 * creators never proved an account are left alone (an admin can verify them on demand).
 */
export async function versionsToReverify(db: Db): Promise<number[]> {
  const rows = await db
    .selectFrom('image_versions as v')
    .innerJoin('images as i', 'i.id', 'v.image_id')
    .innerJoin('image_regions as r', 'r.version_id', 'v.id')
    .select('v.id')
    .distinct()
    .where('v.status', '<>', 'revoked')
    // Mirrored listings carry their origin's verification: this registry holds no account proof for them.
    .where('i.origin', 'is', null)
    .where((eb) =>
      eb.or([
        eb('r.last_verified_at', 'is not', null),
        eb('r.state', '=', 'pending'),
        eb.exists(
          eb
            .selectFrom('aws_accounts as a')
            .select(sql`1`.as('one'))
            .where((w) => w.or([w('a.user_id', '=', w.ref('i.owner_id')), w('a.user_id', '=', w.ref('v.created_by'))])),
        ),
      ]),
    )
    .orderBy('v.id')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Without AWS: releases regions held pending for a check that will not come (a restart
 * without credentials). Why they are unverified is rendered at read time (`toVerification`),
 * not written into every region row: on a large catalogue that rewrite took seconds at start.
 */
export async function explainNoAws(db: Db) {
  await db
    .updateTable('image_regions')
    .set({ state: 'available' })
    .where('state', '=', 'pending')
    .where('last_verified_at', 'is', null)
    .execute();
}

/** With AWS again: drops the "no AWS access" reasons written before. */
export function forgetNoAws(db: Db, prefix: string) {
  return db
    .updateTable('image_regions')
    .set({ verification_reason: null })
    .where('verification_status', '=', 'unverified')
    .where('verification_reason', 'like', `${prefix}%`)
    .execute();
}

/** Drops checks older than the cutoff, keeping each region's latest. */
export function pruneVerifications(db: Db, before: Date) {
  return sql`DELETE FROM verifications AS v WHERE v.checked_at < ${before}
    AND v.id <> (SELECT w.id FROM verifications w WHERE w.region_image_id = v.region_image_id
                 ORDER BY w.checked_at DESC, w.id DESC LIMIT 1)`.execute(db);
}

export function regionById(db: Db, id: number) {
  return db.selectFrom('image_regions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Region ids of the versions the scheduled pass re-checks. */
export async function regionsToReverify(db: Db): Promise<number[]> {
  const versions = await versionsToReverify(db);
  if (versions.length === 0) return [];
  const rows = await db
    .selectFrom('image_regions')
    .select('id')
    .where('version_id', 'in', versions)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/** A transaction-scoped lock on one listing's verification state. */
export async function lockListing(db: Db, imageId: number) {
  await sql`SELECT pg_advisory_xact_lock(hashtext('cws-verify'), ${imageId}::int)`.execute(db);
}
