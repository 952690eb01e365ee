import { type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { Db } from '../database.js';
import type { DB } from '../schema.js';
import { type AccessScope, visibleSql } from './visibility.js';

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
  /** Which listings the viewer may see (services/access.ts); hidden: unlisted and private too. */
  visible: { scope: AccessScope; includeHidden: boolean };
}

/**
 * Position after the last row of a page: the sort value and the id; an offset into the ranked
 * pool (relevance); or, past the pool, the rating and id of the last row (`tail`).
 */
export type SearchAfter = { value: string | number; id: number; tail?: 1 } | { offset: number };

/**
 * Relevance ranks at most this many matches: the best-rated ones (a cheap, indexed order) of
 * the RELEVANCE_WINDOW best-rated listings. Matches beyond the pool follow it in rating order.
 * Ranking every match of a common word (40,000 of 100,000 listings) cost 160-290 ms a query;
 * the pool bounds it.
 */
export const RELEVANCE_POOL = 1000;

/** What a search result shows of a listing (counters from `image_stats as st`); never the search document or its tsvector. */
const SUMMARY_COLUMNS = [
  'i.id',
  'i.name',
  'i.template',
  'i.category',
  'i.description',
  'i.tags',
  'i.visibility',
  'i.verified',
  'st.rating_avg',
  'st.rating_count',
  'st.download_count',
  'st.launch_count',
  'i.updated_at',
] as const;

/** Listings matching the filters (no columns, no order yet). */
function matching(db: Db, f: SearchFilters) {
  let q = db.selectFrom('images as i').innerJoin('image_stats as st', 'st.image_id', 'i.id');
  const query = f.tsquery ? sql`to_tsquery('simple', ${f.tsquery})` : null;
  if (query) q = q.where(sql<SqlBool>`i.search_tsv @@ ${query}`);
  q = q.where(visibleSql(f.visible.scope, f.visible.includeHidden));
  if (f.template) q = q.where('i.template', '=', f.template);
  if (f.category) q = q.where('i.category', '=', f.category);
  if (f.owner)
    q = q.where('i.owner_id', '=', (eb) => eb.selectFrom('users as o').select('o.id').where('o.handle', '=', f.owner!));
  if (f.verified !== undefined) q = q.where('i.verified', '=', f.verified);
  if (f.minRating !== undefined) q = q.where('st.rating_avg', '>=', f.minRating);
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
  return q;
}

function summaryRows(db: Db, f: SearchFilters) {
  return matching(db, f)
    .innerJoin('users as u', 'u.id', 'i.owner_id')
    .select(SUMMARY_COLUMNS)
    .select(['u.handle as owner', sql<string>`i.updated_at::text`.as('updated_at_key')]);
}

/**
 * Relevance looks for its pool among this many best-rated listings only (of the whole catalogue,
 * in rating order), so the walk is bounded whatever the query: a conjunction of two common words
 * (11% of listings) walked 17,000 listings to fill a pool of 1,000; a rare word, its every match.
 */
export const RELEVANCE_WINDOW = 3000;

/** Rating order position: a listing's (rating, id). */
type RatingKey = { value: number; id: number };

/** The last listing of the window (the `window`-th best rated), or null when the catalogue is smaller. */
export async function windowEdge(db: Db, window: number): Promise<RatingKey | null> {
  const row = await db
    .selectFrom('image_stats')
    .select(['rating_avg', 'image_id'])
    .orderBy('rating_avg', 'desc')
    .orderBy('image_id', 'desc')
    .offset(window - 1)
    .limit(1)
    .executeTakeFirst();
  return row ? { value: Number(row.rating_avg), id: Number(row.image_id) } : null;
}

/** The `pool` best-rated matches within the window (up to `edge`): what relevance ranks. */
function relevancePool(db: Db, f: SearchFilters, pool: number, edge: RatingKey | null) {
  let q = matching(db, f).select(['i.id', 'st.rating_avg']);
  if (edge) q = q.where(sql<SqlBool>`(st.rating_avg, st.image_id) >= (${edge.value}::real, ${edge.id})`);
  return q.orderBy('st.rating_avg', 'desc').orderBy('st.image_id', 'desc').limit(pool);
}

/** Ids of the ranked pool's rows `offset .. offset + limit` (exported for `bench/explain.js`). */
export function relevanceRanked(
  db: Db,
  f: SearchFilters & { tsquery: string },
  offset: number,
  limit: number,
  pool = RELEVANCE_POOL,
  edge: RatingKey | null = null,
) {
  const query = sql`to_tsquery('simple', ${f.tsquery})`;
  return db
    .with('top', () => relevancePool(db, f, pool, edge))
    .selectFrom('top as t')
    .innerJoin('images as ri', 'ri.id', 't.id')
    .select(['t.id', 't.rating_avg', sql<number>`ts_rank(ri.search_tsv, ${query})`.as('rank')])
    .orderBy('rank', 'desc')
    .orderBy('t.rating_avg', 'desc')
    .orderBy('t.id', 'desc')
    .offset(offset)
    .limit(limit);
}

/**
 * One page of a full-text search in relevance order: the `pool` best-rated matches among the
 * `window` best-rated listings ranked by `ts_rank` (then rating, id), then every other match in
 * rating order. `next` is where the following page starts, or null. Needs `f.tsquery`.
 */
export async function relevancePage(
  db: Db,
  f: SearchFilters & { tsquery: string },
  limit: number,
  after?: SearchAfter,
  pool = RELEVANCE_POOL,
  window = RELEVANCE_WINDOW,
): Promise<{ rows: SearchRow[]; next: SearchAfter | null }> {
  const want = limit + 1;
  // Pages past the pool carry their own position: only the pool's pages need the window.
  const edge = !after || 'offset' in after ? await windowEdge(db, window) : null;
  const top = () => relevancePool(db, f, pool, edge);
  let rows: Array<SearchRow & { ranked: boolean }> = [];
  let offset = 0;
  if (!after || 'offset' in after) {
    offset = after?.offset ?? 0;
    const ranked = await relevanceRanked(db, f, offset, want, pool, edge).execute();
    if (ranked.length > 0) {
      const byId = new Map(
        (
          await db
            .selectFrom('images as i')
            .innerJoin('image_stats as st', 'st.image_id', 'i.id')
            .innerJoin('users as u', 'u.id', 'i.owner_id')
            .select(SUMMARY_COLUMNS)
            .select(['u.handle as owner', sql<string>`i.updated_at::text`.as('updated_at_key')])
            .where(
              'i.id',
              'in',
              ranked.map((r) => r.id),
            )
            .execute()
        ).map((r) => [r.id, r]),
      );
      rows = ranked.flatMap((r) => {
        const row = byId.get(r.id);
        return row ? [{ ...row, ranked: true }] : [];
      });
    }
  }
  let tail: { value: number; id: number } | null =
    after && 'id' in after ? { value: Number(after.value), id: after.id } : null;
  if (!tail && rows.length < want) {
    // The pool ran out on this page: if it was full, the rest follows in rating order.
    const last = await db
      .with('top', top)
      .selectFrom('top as t')
      .select(['t.id', 't.rating_avg', sql<number>`count(*) OVER ()::int`.as('size')])
      .orderBy('t.rating_avg', 'asc')
      .orderBy('t.id', 'asc')
      .limit(1)
      .executeTakeFirst();
    if (last && Number(last.size) >= pool) tail = { value: Number(last.rating_avg), id: last.id };
    // The window ended before the pool filled: the matches beyond it follow.
    else tail = edge;
    if (!tail) return finish(rows, limit, offset);
  }
  if (tail && rows.length < want) {
    const rest = await summaryRows(db, f)
      .where(sql<SqlBool>`(st.rating_avg, st.image_id) < (${tail.value}::real, ${tail.id})`)
      .orderBy('st.rating_avg', 'desc')
      .orderBy('st.image_id', 'desc')
      .limit(want - rows.length)
      .execute();
    rows.push(...rest.map((r) => ({ ...r, ranked: false })));
  }
  return finish(rows, limit, offset);
}

function finish(rows: Array<SearchRow & { ranked: boolean }>, limit: number, offset: number) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  let next: SearchAfter | null = null;
  if (rows.length > limit && last) {
    next = last.ranked ? { offset: offset + limit } : { value: Number(last.rating_avg), id: last.id, tail: 1 };
  }
  return { rows: page.map(({ ranked: _, ...row }) => row), next };
}

export function searchListingIds(db: Db, f: SearchFilters, sort: SearchSort, limit: number, after?: SearchAfter) {
  let q = summaryRows(db, f);
  const query = f.tsquery ? sql`to_tsquery('simple', ${f.tsquery})` : null;
  const keyset = after && 'id' in after ? after : undefined;
  switch (sort) {
    case 'relevance': {
      // Without words to rank by (a query of punctuation only), relevance is the rating order.
      if (query) q = q.orderBy(sql`ts_rank(i.search_tsv, ${query})`, 'desc');
      q = q.orderBy('st.rating_avg', 'desc').orderBy('st.image_id', 'desc');
      if (after && 'offset' in after) q = q.offset(after.offset);
      break;
    }
    case 'rating':
      if (keyset)
        q = q.where(sql<SqlBool>`(st.rating_avg, st.image_id) < (${Number(keyset.value)}::real, ${keyset.id})`);
      q = q.orderBy('st.rating_avg', 'desc').orderBy('st.image_id', 'desc');
      break;
    case 'downloads':
      if (keyset)
        q = q.where(sql<SqlBool>`(st.download_count, st.image_id) < (${Number(keyset.value)}::bigint, ${keyset.id})`);
      q = q.orderBy('st.download_count', 'desc').orderBy('st.image_id', 'desc');
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
export type SearchRow = Awaited<ReturnType<ReturnType<typeof summaryRows>['execute']>>[number];

/** Words of the vocabulary that a query word may be a typo of (or a prefix of). */
export function similarWords(db: Db, term: string) {
  return similarWordsQuery(db, term)
    .execute()
    .then((rows) => rows.map((r) => r.word));
}

/** The query of `similarWords` (exported for `bench/explain.js`). */
export function similarWordsQuery(db: Db, term: string) {
  const first = term.slice(0, 1);
  return (
    db
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
      // The nearest first, so the 300 kept are those a typo most likely means (a large vocabulary
      // has thousands of words of the same first letter and length).
      .orderBy(sql`similarity(word, ${term})`, 'desc')
      .orderBy('word')
      .limit(300)
  );
}

/** Whether a vocabulary word starts with `term` (then the query word is used as a prefix, unexpanded). */
export async function vocabularyHasPrefix(db: Db, term: string): Promise<boolean> {
  const row = await db
    .selectFrom('search_words')
    .select('word')
    .where('word', 'like', `${term}%`)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
