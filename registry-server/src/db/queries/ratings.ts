import { sql } from 'kysely';
import type { Db } from '../database.js';

export function findRating(db: Db, imageId: number, userId: number) {
  return db
    .selectFrom('ratings')
    .select(['stars', 'review'])
    .where('image_id', '=', imageId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

export interface RatingWrite {
  user_id: number;
  stars: number;
  /** The new review; `undefined` keeps the one already there (a re-rating that did not mention it). */
  review: string | null | undefined;
  /** For the audit row: the listing's owner/name. */
  target: string;
}

/** What a rating write answers: the listing's aggregate after it, and the rating as stored. */
export interface RatingWritten {
  image_id: number;
  created: boolean;
  launched: boolean;
  rating_sum: number;
  rating_count: number;
  review: string | null;
}

/**
 * A rating in one call of `rate_listing()` (migration 2026120320): the upsert, the listing's
 * aggregate in `image_stats` and the audit row. Exact under concurrency without a lock (see the
 * migration). Nothing is written, and `undefined` comes back, when the rater published a
 * version of the listing.
 */
export function writeRating(db: Db, imageId: number, r: RatingWrite): Promise<RatingWritten | undefined> {
  return callRate(db, imageId, null, null, r);
}

/**
 * The common case in the same one call: a public listing, named by owner and name, that the
 * rater does not own. `undefined` when nothing was written (no such public listing, the rater
 * owns it or published a version of it): the caller looks closer.
 */
export function ratePublicListing(db: Db, owner: string, name: string, r: RatingWrite) {
  return callRate(db, null, owner, name, r);
}

async function callRate(
  db: Db,
  imageId: number | null,
  owner: string | null,
  name: string | null,
  r: RatingWrite,
): Promise<RatingWritten | undefined> {
  const result = await sql<{
    rated_image: number;
    is_new: boolean;
    has_launched: boolean;
    stars_sum: number;
    stars_count: number;
    kept_review: string | null;
  }>`SELECT * FROM rate_listing(${imageId}::bigint, ${owner}::text, ${name}::text, ${r.user_id}::bigint,
      ${r.stars}::smallint, ${r.review ?? null}::text, ${r.review === undefined}::boolean, ${r.target}::text)`.execute(
    db,
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    image_id: Number(row.rated_image),
    created: row.is_new,
    launched: row.has_launched,
    rating_sum: Number(row.stars_sum),
    rating_count: Number(row.stars_count),
    review: row.kept_review,
  };
}

/** Whether this user published a version of the listing (a maintainer adding one counts). */
export async function publishedVersionOf(db: Db, imageId: number, userId: number): Promise<boolean> {
  const row = await db
    .selectFrom('image_versions')
    .select('id')
    .where('image_id', '=', imageId)
    .where('created_by', '=', userId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export function ratingHistogram(db: Db, imageId: number) {
  return db
    .selectFrom('ratings')
    .select(['stars', (eb) => eb.fn.countAll<number>().as('n')])
    .where('image_id', '=', imageId)
    .groupBy('stars')
    .execute();
}

/** Newest reviews first; keyset on id (created order), so paging never skips or repeats. */
export function listReviews(db: Db, imageId: number, limit: number, beforeId?: number) {
  let q = db
    .selectFrom('ratings as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select(['r.id', 'u.handle', 'r.stars', 'r.review', 'r.launched', 'r.created_at', 'r.updated_at'])
    .where('r.image_id', '=', imageId);
  if (beforeId !== undefined) q = q.where('r.id', '<', beforeId);
  return q.orderBy('r.id', 'desc').limit(limit).execute();
}

export function launchedRatingCount(db: Db, imageId: number) {
  return db
    .selectFrom('ratings')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('image_id', '=', imageId)
    .where('launched', '=', true)
    .executeTakeFirstOrThrow()
    .then((r) => Number(r.n));
}
