import { type ExpressionBuilder, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Db } from '../database.js';
import type { DB } from '../schema.js';
import {
  executePage,
  type PageVersions,
  pageOrder,
  type SearchSort,
  versionsOf,
  withCards,
  withVersions,
} from './search-page.js';
import { type AccessScope, visibleSql } from './visibility.js';

export type { SearchSort };

/**
 * One query word, as the vocabulary words it stands for (itself and the words it begins, or its
 * typo corrections), or, when it begins more than PREFIX_LIST words, as the prefix itself.
 */
export type SearchTerm = { words: string[] } | { prefix: string };

/** A term of more words than this is not walked in order (a Merge Append of that many ranges); relevanceBroad sorts its matches. */
export const WALK_WORDS = 32;

/** A prefix that begins more vocabulary words than this is matched with LIKE instead of a word list. */
export const PREFIX_LIST = 2000;

export interface SearchFilters {
  /** Every term must match (services/search-terms.ts builds them from the query's words). */
  terms?: SearchTerm[];
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
 * Relevance position after the last row of a page: its class (1: every query word is in the
 * name, template, category or tags), its rating in half stars and its id.
 */
export type RelevanceAfter = { cls: 0 | 1; value: number; id: number };

/** Position after the last row of a page: the sort value and the id (relevance: with the class). */
export type SearchAfter = { value: string | number; id: number } | RelevanceAfter;

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

/** `alias.word` is one of the term's words (or begins with its prefix). */
function termWord(t: SearchTerm, alias: string) {
  const col = sql.ref(`${alias}.word`);
  if ('prefix' in t) return sql<SqlBool>`${col} LIKE ${`${t.prefix}%`}`;
  // One array, not an IN list: the statement's text (its prepared name) does not change with the number of words.
  return sql<SqlBool>`${col} = ANY(${t.words}::text[])`;
}

/**
 * `OFFSET 0` keeps an EXISTS a per-row probe (a SubPlan): PostgreSQL does not turn an EXISTS
 * with an OFFSET into a semi-join. As a join, the planner may hash every posting of the other
 * words (a generic plan of a prepared statement does, not knowing the words: 5.5 s for "python
 * jupyter" on PGlite); as a probe the plan is the same whatever the words, and cheaper to plan.
 */
const PROBE = sql` OFFSET 0`;

/** The listing `ref` (an id column) has a posting of term `t` (with field >= `field`). */
function hasTerm(t: SearchTerm, ref: string, field = 0) {
  return sql<SqlBool>`EXISTS (SELECT 1 FROM search_postings x WHERE x.image_id = ${sql.ref(ref)}
    AND ${termWord(t, 'x')}${field > 0 ? sql` AND x.field >= ${field}` : sql``}${PROBE})`;
}

/** Listings matching the filters (no columns, no order yet). */
function matching(db: Db, f: SearchFilters) {
  let q = db.selectFrom('images as i').innerJoin('image_stats as st', 'st.image_id', 'i.id');
  for (const t of f.terms ?? []) q = q.where(hasTerm(t, 'i.id'));
  return withFilters(q, f);
}

export function withFilters<
  Q extends {
    where: (e: never) => Q;
  },
>(query: Q, f: SearchFilters): Q {
  // biome-ignore lint/suspicious/noExplicitAny: the same filters apply to both query shapes
  let q = query as any;
  q = q.where(visibleSql(f.visible.scope, f.visible.includeHidden));
  if (f.template) q = q.where('i.template', '=', f.template);
  if (f.category) q = q.where('i.category', '=', f.category);
  if (f.owner)
    q = q.where('i.owner_id', '=', (eb: ExpressionBuilder<DB, 'images'>) =>
      eb.selectFrom('users as o').select('o.id').where('o.handle', '=', f.owner!),
    );
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
  return q as Q;
}

function summaryRows(db: Db, f: SearchFilters) {
  return matching(db, f)
    .innerJoin('users as u', 'u.id', 'i.owner_id')
    .select(SUMMARY_COLUMNS)
    .select(['u.handle as owner', sql<string>`i.updated_at::text`.as('updated_at_key')]);
}

/** The rating key of the postings (SQL search_rating_key): half stars. */
export const ratingKey = (avg: number) => Math.floor(avg * 2);

/**
 * The term a relevance page walks the postings of: the listed term with the fewest words
 * (ties: the longest word, likely the rarest); null when every term is a broad prefix.
 */
export function driverOf(terms: SearchTerm[]): number | null {
  let best: number | null = null;
  terms.forEach((t, k) => {
    if ('prefix' in t || t.words.length > WALK_WORDS) return;
    const b = best === null ? null : (terms[best] as { words: string[] });
    if (
      !b ||
      t.words.length < b.words.length ||
      (t.words.length === b.words.length && t.words[0]!.length > b.words[0]!.length)
    )
      best = k;
  });
  return best;
}

/**
 * Rows of class `cls` after `cursor`, in (rating key, id) order, walking the driving term's
 * postings: per (word, field) one ordered index range with every condition checked per row
 * (each listing once: its best posting among the driver's words; the other terms; the
 * filters) and LIMIT, then the ranges' first rows merged. Each range is a single-table walk
 * with correlated probes, so planning stays cheap (PGlite plans every statement).
 */
export function relevancePhase(
  db: Db,
  f: SearchFilters & { terms: SearchTerm[] },
  d: number,
  cls: 0 | 1,
  cursor: { value: number; id: number } | null,
  limit: number,
) {
  const driver = f.terms[d] as { words: string[] };
  const others = f.terms.filter((_, k) => k !== d);
  // Class 1: the driver's title postings. Class 0: a single term's other postings; with more
  // terms, a listing whose driver word is in its title may still be class 0 (another term is not).
  const fields = cls === 1 ? [1] : others.length === 0 ? [0] : [1, 0];
  const floor = f.minRating === undefined ? null : ratingKey(f.minRating);
  const listing = withFilters(
    db
      .selectFrom('images as i')
      .innerJoin('image_stats as st', 'st.image_id', 'i.id')
      .select(sql`1`.as('one'))
      .whereRef('i.id', '=', sql.ref('p.image_id') as never),
    f,
  );
  const conditions = [sql`EXISTS (${listing.modifyEnd(PROBE)})`];
  if (driver.words.length > 1) {
    // The listing's best posting among the driver's words (highest field, then the first word).
    conditions.push(sql`NOT EXISTS (SELECT 1 FROM search_postings x WHERE x.image_id = p.image_id
      AND ${termWord(driver, 'x')} AND (x.field > p.field OR (x.field = p.field AND x.word < p.word))${PROBE})`);
  }
  for (const t of others) conditions.push(hasTerm(t, 'p.image_id', cls));
  if (cls === 0 && others.length > 0) {
    conditions.push(
      sql`(p.field = 0 OR ${sql.join(
        others.map((t) => sql`NOT ${hasTerm(t, 'p.image_id', 1)}`),
        sql` OR `,
      )})`,
    );
  }
  const branches = driver.words.flatMap((w) =>
    fields.map(
      (field) => sql`(SELECT p.rating, p.image_id FROM search_postings p
        WHERE p.word = ${w} AND p.field = ${field}${cursor ? sql` AND (p.rating, p.image_id) < (${cursor.value}, ${cursor.id})` : sql``}${
          floor !== null ? sql` AND p.rating >= ${floor}` : sql``
        } AND ${sql.join(conditions, sql` AND `)}
        ORDER BY p.rating DESC, p.image_id DESC LIMIT ${limit})`,
    ),
  );
  const postings = branches.length === 1 ? branches[0]! : sql`(${sql.join(branches, sql` UNION ALL `)})`;
  return db
    .selectFrom(postings.as('p') as never as 'search_postings as p')
    .innerJoin('images as i', 'i.id', 'p.image_id')
    .innerJoin('image_stats as st', 'st.image_id', 'p.image_id')
    .innerJoin('users as u', 'u.id', 'i.owner_id')
    .select(SUMMARY_COLUMNS)
    .select(['u.handle as owner', sql<string>`i.updated_at::text`.as('updated_at_key'), 'p.rating as rank_rating'])
    .orderBy('p.rating', 'desc')
    .orderBy('p.image_id', 'desc')
    .limit(limit);
}

/**
 * The same order for terms too broad to walk in order: every matching listing's class, sorted.
 * Correct and bounded by the matches (a one-letter query), not by the page.
 */
function relevanceBroad(
  db: Db,
  f: SearchFilters & { terms: SearchTerm[] },
  after: RelevanceAfter | undefined,
  limit: number,
) {
  const per = f.terms.map((t, k) => sql`max(field) FILTER (WHERE ${termWord(t, 'a')}) AS ${sql.ref(`f${k}`)}`);
  const classes = sql`(SELECT image_id, least(${sql.join(f.terms.map((_, k) => sql.ref(`f${k}`)))}) AS cls
    FROM (SELECT image_id, ${sql.join(per)} FROM search_postings a
          WHERE ${sql.join(
            f.terms.map((t) => termWord(t, 'a')),
            sql` OR `,
          )} GROUP BY image_id) g
    WHERE ${sql.join(
      f.terms.map((_, k) => sql`${sql.ref(`f${k}`)} IS NOT NULL`),
      sql` AND `,
    )})`;
  const rank = sql<number>`search_rating_key(st.rating_avg)`;
  let q = db
    .selectFrom(classes.as('m') as never as 'search_postings as m')
    .innerJoin('images as i', 'i.id', 'm.image_id')
    .innerJoin('image_stats as st', 'st.image_id', 'm.image_id')
    .innerJoin('users as u', 'u.id', 'i.owner_id')
    .select(SUMMARY_COLUMNS)
    .select([
      'u.handle as owner',
      sql<string>`i.updated_at::text`.as('updated_at_key'),
      rank.as('rank_rating'),
      sql<number>`m.cls`.as('cls'),
    ]);
  if (after) q = q.where(sql<SqlBool>`(m.cls, ${rank}, i.id) < (${after.cls}, ${after.value}, ${after.id})`);
  return withFilters(q, f).orderBy(sql`m.cls`, 'desc').orderBy(rank, 'desc').orderBy('i.id', 'desc').limit(limit);
}

/**
 * One page of a search in relevance order: listings with every query word in their name,
 * template, category or tags (class 1) first, then the other matches (class 0); within a
 * class by rating in half stars, then newest listing (id) first. `next` is where the
 * following page starts, or null. Needs `f.terms`.
 */
export async function relevancePage(
  db: Db,
  f: SearchFilters & { terms: SearchTerm[] },
  limit: number,
  after?: RelevanceAfter,
): Promise<{ rows: PageRow[]; next: RelevanceAfter | null }> {
  const want = limit + 1;
  const rows: Array<PageRow & { cls: 0 | 1; rank_rating: number }> = [];
  const d = driverOf(f.terms);
  if (d === null) {
    // A broad prefix (LIKE): planned per call, a generic plan could not use an index range for it.
    const page = relevanceBroad(db, f, after, want);
    const got = (await withVersions(page, sql`s.cls DESC, s.rank_rating DESC, s.id DESC`).execute(db)).rows.map(
      versionsOf,
    );
    rows.push(...got.map((r) => ({ ...r, cls: Number(r.cls) as 0 | 1, rank_rating: Number(r.rank_rating) })));
  } else {
    for (const cls of [1, 0] as const) {
      if (after && cls > after.cls) continue;
      const cursor = after && after.cls === cls ? after : null;
      const page = relevancePhase(db, f, d, cls, cursor, want - rows.length);
      const got = await executePage(db, withVersions(page, sql`s.rank_rating DESC, s.id DESC`));
      rows.push(...got.map((r) => ({ ...r, cls, rank_rating: Number(r.rank_rating) })));
      if (rows.length >= want) break;
    }
  }
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const next: RelevanceAfter | null =
    rows.length > limit && last ? { cls: last.cls, value: last.rank_rating, id: Number(last.id) } : null;
  return { rows: page.map(({ cls: _c, rank_rating: _r, ...row }) => row), next };
}

export function searchListingIds(db: Db, f: SearchFilters, sort: SearchSort, limit: number, after?: SearchAfter) {
  let q = summaryRows(db, f);
  const keyset = after;
  switch (sort) {
    case 'relevance':
      // Without words to rank by (a query of punctuation only), relevance is the rating order.
      if (keyset)
        q = q.where(sql<SqlBool>`(st.rating_avg, st.image_id) < (${Number(keyset.value)}::real, ${keyset.id})`);
      q = q.orderBy('st.rating_avg', 'desc').orderBy('st.image_id', 'desc');
      break;
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
  return withCards(q.limit(limit), pageOrder(sort))
    .execute(db)
    .then((r) => r.rows);
}
export type SearchRow = Awaited<ReturnType<ReturnType<typeof summaryRows>['execute']>>[number];
/** A row of a search page: the listing's summary columns and its versions. */
export type PageRow = SearchRow & PageVersions;

/** Words of the vocabulary that a query word the vocabulary lacks (as a word or a prefix) may be a typo of. */
export function similarWords(db: Db, term: string) {
  return similarWordsQuery(term)
    .execute(db)
    .then((r) => r.rows.map((row) => row.word));
}

/** The query of `similarWords` (exported for `bench/explain.js`). */
export function similarWordsQuery(term: string) {
  return similarWordsSql(sql.val(term));
}

/**
 * The typo candidates of `term` (a word no vocabulary word begins): the words trigram-similar
 * to it, and those of its first letter within 2 of its length, the nearest first, at most 300
 * (a large vocabulary has thousands of words of the same first letter and length); the caller
 * keeps those within its typo allowance (services/search-terms.ts nearWords). One statement for
 * `similarWords` and the walk's (search-walk.ts, where `term` is a column of each query word):
 * the first letter as an index range, not LIKE, so that a generic plan still probes both
 * indexes (a BitmapOr of the trigram and the prefix index).
 */
export function similarWordsSql(term: RawBuilder<unknown>): RawBuilder<{ word: string }> {
  const first = sql`left(${term}, 1)`;
  return sql`SELECT word FROM search_words
    WHERE word % ${term} OR (word ~>=~ ${first} AND word ~<~ (${first} || chr(1114111)) AND starts_with(word, ${first})
      AND length(word) BETWEEN length(${term}) - 2 AND length(${term}) + 2)
    ORDER BY similarity(word, ${term}) DESC, word LIMIT 300`;
}

/** Up to `max` vocabulary words that begin with `term` (itself included), in order. */
export async function prefixWords(db: Db, term: string, max: number): Promise<string[]> {
  const rows = await db
    .selectFrom('search_words')
    .select('word')
    .where('word', 'like', `${term}%`)
    .limit(max)
    .execute();
  return rows.map((r) => r.word).sort();
}
