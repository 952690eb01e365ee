import { type Expression, type RawBuilder, sql } from 'kysely';
import type { Db } from '../database.js';
import { executePrepared, type PreparedStatement, preparedStatement } from '../prepared.js';

/**
 * How a search request reaches the database: as few statements as it can, each planned once per
 * session where its plan does not depend on the values (db/prepared.ts). Embedded PGlite plans
 * every statement it is sent, and planning the relevance walk cost more than running it.
 */

/** What a result shows of a listing's versions: the newest non-revoked one with images, and the regions and architectures of all of them. */
export interface PageVersions {
  latest_version: string | null;
  regions: string[];
  architectures: string[];
}
/** How a page is ordered (`search.ts` re-exports it: it is the search API's sort). */
export type SearchSort = 'relevance' | 'rating' | 'downloads' | 'recent' | 'name';

/** The aggregate's column: [version id, version, region, architecture] per non-revoked version and region image of the listing. */
export interface VersionArrays {
  v_images: Array<[number, string, string, string]> | null;
}

/**
 * A page's rows with their versions in the same statement (they took a second statement, and
 * one row per version and region of every listing of the page): the page is cut first (its
 * LIMIT), then one aggregate per row of it, then the page's order again (`order` over `s`).
 * One json column, no ORDER BY or DISTINCT in the aggregate: a sort per row, and PGlite's
 * parsing of array columns, cost more than the walk itself (measured: json_agg +0.2 ms a page,
 * four array_agg +1.2 ms, the DISTINCT/ORDER BY sorts 1.4 ms per row in EXPLAIN ANALYZE);
 * `versionsOf` picks and sorts in JavaScript.
 */
export function withVersions<R>(page: Expression<R>, order: RawBuilder<unknown>): RawBuilder<R & VersionArrays> {
  return sql<
    R & VersionArrays
  >`SELECT s.*, (SELECT json_agg(json_build_array(v.id, v.version, r.region, r.architecture))
      FROM image_versions v JOIN image_regions r ON r.version_id = v.id
      WHERE v.image_id = s.id AND v.status <> 'revoked') AS v_images
    FROM (${page}) s
    ORDER BY ${order}`;
}

/**
 * How `cardText` writes the key of the rating's average, its number right after (services/search.ts
 * finds the numbers by it to round them). Nowhere else in a card: in a JSON string each `"` is `\"`.
 */
export const AVERAGE_KEY = '"average" : ';

/**
 * A listing as the API shows it (services/present.ts toSummary), as JSON text: its card
 * (migration 2026120390, alias `card`) with the counters of `stats` (an alias with image_stats'
 * rating_avg, rating_count, download_count and launch_count) put in, in toSummary's key order.
 * The rating's average is the stored float4 as its text gives it: the caller rounds it.
 */
export function cardText(card: string, stats: string): RawBuilder<string> {
  const [c, st] = [sql.raw(card), sql.raw(stats)];
  return sql<string>`${c}.head || ', "rating" : {${sql.raw(AVERAGE_KEY)}' || ${st}.rating_avg::text || ', "count" : '
    || ${st}.rating_count::text || '}, "download_count" : ' || ${st}.download_count::text
    || ', "launch_count" : ' || ${st}.launch_count::text || ', ' || ${c}.tail`;
}

/** What a non-relevance page answers per row: its sort keys, and the listing as `cardText`. */
export interface CardRow {
  id: number;
  owner: string;
  name: string;
  rating_avg: number;
  download_count: number;
  updated_at_key: string;
  item: string;
}

/**
 * A page's rows as `cardText` (their cards joined after the page is cut, then the page's order
 * again: `order` over `s`), with the columns its cursor is made of.
 */
export function withCards(page: Expression<unknown>, order: RawBuilder<unknown>): RawBuilder<CardRow> {
  return sql<CardRow>`SELECT s.id, s.owner, s.name, s.rating_avg, s.download_count, s.updated_at_key,
      ${cardText('c', 's')} AS item
    FROM (${page}) s JOIN listing_cards c ON c.image_id = s.id
    ORDER BY ${order}`;
}

/** A row with its versions as the API shows them: the newest (highest id) version's name, every region and architecture once, sorted. */
export function versionsOf<R extends VersionArrays>(row: R): Omit<R, keyof VersionArrays> & PageVersions {
  const { v_images, ...rest } = row;
  const images = v_images ?? [];
  let latest: string | null = null;
  let top = Number.NEGATIVE_INFINITY;
  for (const [id, version] of images) {
    if (Number(id) > top) {
      top = Number(id);
      latest = version;
    }
  }
  return {
    ...rest,
    latest_version: latest,
    regions: [...new Set(images.map((x) => x[2]))].sort(),
    architectures: [...new Set(images.map((x) => x[3]))].sort(),
  };
}

/** The order of a non-relevance page over its selected columns (search.ts searchListingIds orders the inner query the same way). */
export function pageOrder(sort: SearchSort): RawBuilder<unknown> {
  switch (sort) {
    case 'relevance':
    case 'rating':
      return sql`s.rating_avg DESC, s.id DESC`;
    case 'downloads':
      return sql`s.download_count DESC, s.id DESC`;
    case 'recent':
      return sql`s.updated_at DESC, s.id DESC`;
    case 'name':
      return sql`s.owner || '/' || s.name, s.id`;
  }
}

/** Statements by SQL text (the name is a hash of it); bounded, a query's shapes are few. */
const statements = new Map<string, PreparedStatement>();
function statementOf(text: string): PreparedStatement {
  let s = statements.get(text);
  if (!s) {
    if (statements.size >= 1000) statements.clear();
    s = preparedStatement(text);
    statements.set(text, s);
  }
  return s;
}

/** Runs a page statement as a prepared statement (its plan must not depend on the values: search.ts PROBE). */
export async function executePage<R extends VersionArrays>(db: Db, query: RawBuilder<R>) {
  const { sql: text, parameters } = query.compile(db);
  return (await executePrepared<R>(db, statementOf(text), parameters)).map(versionsOf);
}

/**
 * Up to `max` vocabulary words beginning with each term (itself included), in one statement for
 * all of a query's words. The prefix is a range of `search_words_prefix_idx` (text_pattern_ops:
 * byte order), written so a generic plan uses it too (`LIKE $1` needs the pattern at planning);
 * U+10FFFF is never in a word (services/search-terms.ts keeps letters, digits and marks).
 */
const PREFIX = preparedStatement(`SELECT q.n::int AS n, w.word
  FROM unnest($1::text[]) WITH ORDINALITY AS q(term, n)
  CROSS JOIN LATERAL (SELECT word FROM search_words
    WHERE word ~>=~ q.term AND word ~<~ (q.term || chr(1114111)) AND starts_with(word, q.term) LIMIT $2) w`);

export async function prefixWordsOf(db: Db, terms: string[], max: number): Promise<string[][]> {
  const out = terms.map((): string[] => []);
  if (terms.length === 0) return out;
  const rows = await executePrepared<{ n: number; word: string }>(db, PREFIX, [terms, max]);
  for (const r of rows) out[Number(r.n) - 1]!.push(r.word);
  return out.map((words) => words.sort());
}
