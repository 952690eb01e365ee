import type { Db } from '../database.js';
import { type AccessScope, visibleSql } from './visibility.js';

/** Listings the scope sees (public, and its organisations' org listings) for seed 004's community list, best rated first. */
export function communityListings(
  db: Db,
  f: { template?: string; category?: string; region?: string },
  limit: number,
  scope: AccessScope,
) {
  let q = db
    .selectFrom('images as i')
    .innerJoin('users as u', 'u.id', 'i.owner_id')
    .innerJoin('image_stats as st', 'st.image_id', 'i.id')
    .select(['i.id', 'i.name', 'u.handle as creator', 'st.rating_avg', 'st.download_count'])
    .where(visibleSql(scope, false));
  if (f.template) q = q.where('i.template', '=', f.template);
  if (f.category) q = q.where('i.category', '=', f.category);
  q = q.where(({ exists, selectFrom }) => {
    let sub = selectFrom('image_versions as v')
      .innerJoin('image_regions as r', 'r.version_id', 'v.id')
      .select('r.id')
      .whereRef('v.image_id', '=', 'i.id')
      .where('v.status', '<>', 'revoked');
    if (f.region) sub = sub.where('r.region', '=', f.region);
    return exists(sub);
  });
  return q.orderBy('st.rating_avg', 'desc').orderBy('st.download_count', 'desc').orderBy('i.id').limit(limit).execute();
}
