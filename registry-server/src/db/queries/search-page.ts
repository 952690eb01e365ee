import { type Expression, type RawBuilder, sql } from 'kysely';
import type { Db } from '../database.js';
import { executePrepared, type PreparedStatement, preparedStatement } from '../prepared.js';
import type { SearchRow, SearchSort } from './search.js';

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
export type PageRow = SearchRow & PageVersions;

/**
 * A page's rows with their versions in the same statement (they took a second statement, and
 * one row per version and region of every listing of the page): the page is cut first (its
 * LIMIT), then one aggregate per row of it, then the page's order again (`order` over `s`).
 */
export function withVersions<R>(page: Expression<R>, order: RawBuilder<unknown>): RawBuilder<R & PageVersions> {
  return sql<R & PageVersions>`SELECT s.*, g.latest_version,
      coalesce(g.regions, '{}') AS regions, coalesce(g.architectures, '{}') AS architectures
    FROM (${page}) s LEFT JOIN LATERAL (
      SELECT (array_agg(v.version ORDER BY v.id DESC))[1] AS latest_version,
        array_agg(DISTINCT r.region) AS regions, array_agg(DISTINCT r.architecture) AS architectures
      FROM image_versions v JOIN image_regions r ON r.version_id = v.id
      WHERE v.image_id = s.id AND v.status <> 'revoked') g ON true
    ORDER BY ${order}`;
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
export function executePage<R>(db: Db, query: RawBuilder<R>): Promise<R[]> {
  const { sql: text, parameters } = query.compile(db);
  return executePrepared<R>(db, statementOf(text), parameters);
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
    WHERE word ~>=~ q.term AND word ~<~ q.term || chr(1114111) AND starts_with(word, q.term) LIMIT $2) w`);

export async function prefixWordsOf(db: Db, terms: string[], max: number): Promise<string[][]> {
  const out = terms.map((): string[] => []);
  if (terms.length === 0) return out;
  const rows = await executePrepared<{ n: number; word: string }>(db, PREFIX, [terms, max]);
  for (const r of rows) out[Number(r.n) - 1]!.push(r.word);
  return out.map((words) => words.sort());
}
