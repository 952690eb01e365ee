import { type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { Db } from '../database.js';
import type { DB } from '../schema.js';

export type SearchSort = 'relevance' | 'rating' | 'downloads' | 'recent' | 'name';

export interface SearchFilters {
  /** A to_tsquery('simple') expression built from known words only (see services/search-terms.ts). */
  tsquery?: string;
  template?: string;
  category?: string;
  region?: string;
  architecture?: string;
  owner?: string;
  verified?: boolean;
  minRating?: number;
  /** User id allowed to see their own unlisted/private listings. */
  viewerId?: number;
}

/** Position after the last row of a page: the sort value and the id. */
export type SearchAfter = { value: string | number; id: number } | { offset: number };

export function searchListingIds(db: Db, f: SearchFilters, sort: SearchSort, limit: number, after?: SearchAfter) {
  let q = db
    .selectFrom('images as i')
    .innerJoin('users as u', 'u.id', 'i.owner_id')
    .selectAll('i')
    .select(['u.handle as owner', sql<string>`i.updated_at::text`.as('updated_at_key')]);
  const query = f.tsquery ? sql`to_tsquery('simple', ${f.tsquery})` : null;
  if (query) q = q.where(sql<SqlBool>`i.search_tsv @@ ${query}`);
  q = q.where((eb) =>
    f.viewerId === undefined
      ? eb('i.visibility', '=', 'public')
      : eb.or([eb('i.visibility', '=', 'public'), eb('i.owner_id', '=', f.viewerId)]),
  );
  if (f.template) q = q.where('i.template', '=', f.template);
  if (f.category) q = q.where('i.category', '=', f.category);
  if (f.owner) q = q.where('u.handle', '=', f.owner);
  if (f.verified !== undefined) q = q.where('i.verified', '=', f.verified);
  if (f.minRating !== undefined) q = q.where('i.rating_avg', '>=', f.minRating);
  if (f.region || f.architecture) {
    q = q.where((eb: ExpressionBuilder<DB & { i: DB['images'] }, 'i'>) =>
      eb.exists(
        eb
          .selectFrom('image_versions as v')
          .innerJoin('image_regions as r', 'r.version_id', 'v.id')
          .select(sql`1`.as('one'))
          .whereRef('v.image_id', '=', 'i.id')
          .where('v.status', '<>', 'revoked')
          .$if(!!f.region, (s) => s.where('r.region', '=', f.region!))
          .$if(!!f.architecture, (s) => s.where('r.architecture', '=', f.architecture as 'x86_64' | 'arm64')),
      ),
    );
  }
  const keyset = after && 'id' in after ? after : undefined;
  switch (sort) {
    case 'relevance': {
      const rank = query ? sql`ts_rank(i.search_tsv, ${query})` : sql`0`;
      q = q.orderBy(sql`${rank}`, 'desc').orderBy('i.rating_avg', 'desc').orderBy('i.id', 'desc');
      if (after && 'offset' in after) q = q.offset(after.offset);
      break;
    }
    case 'rating':
      if (keyset) q = q.where(sql<SqlBool>`(i.rating_avg, i.id) < (${Number(keyset.value)}::real, ${keyset.id})`);
      q = q.orderBy('i.rating_avg', 'desc').orderBy('i.id', 'desc');
      break;
    case 'downloads':
      if (keyset) q = q.where(sql<SqlBool>`(i.download_count, i.id) < (${Number(keyset.value)}::bigint, ${keyset.id})`);
      q = q.orderBy('i.download_count', 'desc').orderBy('i.id', 'desc');
      break;
    case 'recent':
      if (keyset)
        q = q.where(sql<SqlBool>`(i.updated_at, i.id) < (${String(keyset.value)}::timestamptz, ${keyset.id})`);
      q = q.orderBy('i.updated_at', 'desc').orderBy('i.id', 'desc');
      break;
    case 'name':
      if (keyset)
        q = q.where(sql<SqlBool>`(u.handle || '/' || i.name, i.id) > (${String(keyset.value)}, ${keyset.id})`);
      q = q.orderBy(sql`u.handle || '/' || i.name`).orderBy('i.id');
      break;
  }
  return q.limit(limit).execute();
}
export type SearchRow = Awaited<ReturnType<typeof searchListingIds>>[number];

/** Words of the vocabulary that a query word may be a typo of (or a prefix of). */
export function similarWords(db: Db, term: string) {
  const first = term.slice(0, 1);
  return db
    .selectFrom('search_words')
    .select('word')
    .where((eb) =>
      eb.or([
        eb('word', 'like', `${term}%`),
        sql<SqlBool>`word % ${term}`,
        eb.and([
          eb('word', 'like', `${first}%`),
          sql<SqlBool>`length(word) BETWEEN ${term.length - 2} AND ${term.length + 2}`,
        ]),
      ]),
    )
    .limit(300)
    .execute()
    .then((rows) => rows.map((r) => r.word));
}
