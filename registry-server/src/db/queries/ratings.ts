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

export function upsertRating(
  db: Db,
  r: { image_id: number; user_id: number; stars: number; review: string | null; launched: boolean },
) {
  return db
    .insertInto('ratings')
    .values(r)
    .onConflict((oc) =>
      oc
        .columns(['image_id', 'user_id'])
        .doUpdateSet({ stars: r.stars, review: r.review, launched: r.launched, updated_at: new Date() }),
    )
    .execute();
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

/** Applies a change to the listing's aggregate with arithmetic on the row (exact under the row lock). */
export function adjustAggregate(db: Db, imageId: number, sumDelta: number, countDelta: number) {
  return db
    .updateTable('images')
    .set({
      rating_sum: sql`rating_sum + ${sumDelta}`,
      rating_count: sql`rating_count + ${countDelta}`,
      rating_avg: sql`CASE WHEN rating_count + ${countDelta} = 0 THEN 0
        ELSE (rating_sum + ${sumDelta})::real / (rating_count + ${countDelta}) END`,
    })
    .where('id', '=', imageId)
    .returning(['rating_sum', 'rating_count', 'rating_avg'])
    .executeTakeFirstOrThrow();
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
