import type { Db } from '../database.js';

/** A page of this registry's own public listings (not mirrored ones), by id, with owner handles. */
export function exportListings(db: Db, afterId: number | undefined, limit: number) {
  let q = db
    .selectFrom('images as i')
    .innerJoin('users as u', 'u.id', 'i.owner_id')
    .innerJoin('image_stats as st', 'st.image_id', 'i.id')
    .select([
      'i.id',
      'i.name',
      'i.template',
      'i.category',
      'i.description',
      'i.tags',
      'st.rating_avg',
      'st.rating_count',
      'st.download_count',
      'i.updated_at',
      'u.handle as owner',
    ])
    .where('i.visibility', '=', 'public')
    .where('i.origin', 'is', null);
  if (afterId !== undefined) q = q.where('i.id', '>', afterId);
  return q.orderBy('i.id').limit(limit).execute();
}

/** Every version of these listings, newest first per listing. */
export function versionsOf(db: Db, imageIds: number[]) {
  if (imageIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('image_versions')
    .selectAll()
    .where('image_id', 'in', imageIds)
    .orderBy('image_id')
    .orderBy('id', 'desc')
    .execute();
}

/** An account created by a mirror to own listings from `origin`. */
export function insertMirrorAccount(db: Db, handle: string, origin: string) {
  return db
    .insertInto('users')
    .values({ handle, display_name: null, role: 'user', kind: 'user', origin })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function updateMirroredListing(
  db: Db,
  id: number,
  v: { description: string; category: string | null; tags: string[]; search_doc: string; verified: boolean },
) {
  return db
    .updateTable('images')
    .set({ ...v, mirrored_at: new Date() })
    .where('id', '=', id)
    .execute();
}

export function markMirrored(db: Db, id: number, origin: string) {
  return db.updateTable('images').set({ origin, mirrored_at: new Date() }).where('id', '=', id).execute();
}

export function setRegionVerification(
  db: Db,
  regionId: number,
  v: { status: 'unverified' | 'verified' | 'failed'; reason: string | null; at: Date | null },
) {
  return db
    .updateTable('image_regions')
    .set({ verification_status: v.status, verification_reason: v.reason, last_verified_at: v.at })
    .where('id', '=', regionId)
    .execute();
}

export function insertScanSummary(
  db: Db,
  s: {
    region_image_id: number;
    scanner: string;
    status: 'pending' | 'complete' | 'failed';
    counts: { critical: number; high: number; medium: number; low: number; informational: number };
    scanned_at: Date;
  },
) {
  return db
    .insertInto('scans')
    .values({
      region_image_id: s.region_image_id,
      scanner: s.scanner,
      status: s.status,
      ...s.counts,
      top_findings: [],
      scanned_at: s.scanned_at,
    })
    .execute();
}
