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
  image_id: number;
  user_id: number;
  stars: number;
  /** The new review; `undefined` keeps the one already there (a re-rating that did not mention it). */
  review: string | null | undefined;
  /** For the audit row. */
  target: string;
}

/**
 * A rating in one statement: the upsert, the listing's aggregate in `image_stats` and the audit
 * row, unless the rater published a version of the listing (then nothing is written and
 * `undefined` comes back). Exact under concurrency without a lock: the stats row's UPDATE adds
 * its deltas to the row's latest committed value (PostgreSQL re-reads a row another writer
 * changed), and the delta comes from the rating row itself, locked by the upsert: `xmax = 0`
 * says whether it was inserted, `replaced_stars` holds the stars it had before.
 */
export async function writeRating(db: Db, r: RatingWrite) {
  const keepReview = r.review === undefined;
  const result = await sql<{
    created: boolean;
    launched: boolean;
    rating_sum: number;
    rating_count: number;
    review: string | null;
  }>`
    WITH up AS (
      INSERT INTO ratings (image_id, user_id, stars, review, launched)
      SELECT ${r.image_id}::bigint, ${r.user_id}::bigint, ${r.stars}::smallint, ${r.review ?? null}::text,
        EXISTS (SELECT 1 FROM launches l WHERE l.image_id = ${r.image_id} AND l.user_id = ${r.user_id}
                AND l.aws_account IS NOT NULL)
      WHERE NOT EXISTS (SELECT 1 FROM image_versions v WHERE v.image_id = ${r.image_id} AND v.created_by = ${r.user_id})
      ON CONFLICT (image_id, user_id) DO UPDATE SET replaced_stars = ratings.stars, stars = EXCLUDED.stars,
        review = CASE WHEN ${keepReview}::boolean THEN ratings.review ELSE EXCLUDED.review END,
        launched = EXCLUDED.launched, updated_at = now()
      RETURNING (xmax = 0) AS created, stars, replaced_stars, review, launched
    ),
    delta AS (
      SELECT created, launched, stars - CASE WHEN created THEN 0 ELSE replaced_stars END AS sum_delta,
        CASE WHEN created THEN 1 ELSE 0 END AS count_delta
      FROM up
    ),
    stats AS (
      UPDATE image_stats AS st SET rating_sum = st.rating_sum + d.sum_delta,
        rating_count = st.rating_count + d.count_delta,
        rating_avg = CASE WHEN st.rating_count + d.count_delta = 0 THEN 0
          ELSE (st.rating_sum + d.sum_delta)::real / (st.rating_count + d.count_delta) END
      FROM delta d WHERE st.image_id = ${r.image_id}
      RETURNING st.rating_sum, st.rating_count
    ),
    logged AS (
      INSERT INTO audit_log (actor_id, action, image_id, target, details)
      SELECT ${r.user_id}::bigint, CASE WHEN created THEN 'rating.create' ELSE 'rating.update' END,
        ${r.image_id}::bigint, ${r.target}::text, jsonb_build_object('rating', ${r.stars}::int)
      FROM up
    )
    SELECT d.created, d.launched, s.rating_sum, s.rating_count, u.review FROM delta d, stats s, up u`.execute(db);
  return result.rows[0];
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
