import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../database.js';
import { executePrepared, type PreparedStatement, preparedStatement } from '../prepared.js';
import {
  type PageRow,
  PREFIX_LIST,
  type RelevanceAfter,
  ratingKey,
  type SearchFilters,
  similarWordsSql,
  withFilters,
} from './search.js';
import { cardText, type VersionArrays, versionsOf } from './search-page.js';

/**
 * A relevance page of a query's words in ONE statement (a socket write and a round trip per
 * statement were the largest part of a search's CPU on PostgreSQL): the words are expanded to
 * the vocabulary words they begin (as `prefixWordsOf`), the driving term chosen (as `driverOf`:
 * the fewest words), its class-1 postings walked, and its class-0 postings only when class 1
 * did not fill the page, then the page's listings and versions. Same rows and order as
 * `relevancePage` over `searchTerms`' terms. When the words cannot be walked here (a word the
 * vocabulary lacks: a typo; a word beginning more than PREFIX_LIST words; no term of at most
 * FAST_WORDS words to drive the walk) the statement answers no rows but the expansion and the
 * typo candidates of the words it lacks (`Unwalked`), and the caller goes the long way with them
 * (no second expansion, no second candidates query).
 *
 * Each driving word is one ordered range walked to the page's size (LATERAL over the driver's
 * words, so the text does not change with their number), then merged: k words walk up to k
 * pages, hence the FAST_WORDS cap (relevancePage's Merge Append stays for wider prefixes).
 */
export const FAST_WORDS = 4;

export type WalkResult = { rows: PageRow[]; next: RelevanceAfter | null } | Unwalked;

/**
 * Not walked here: each word's vocabulary words (at most PREFIX_LIST + 1, sorted), and for each
 * word that begins none its typo candidates (as `similarWords`, in the same statement: one round
 * trip fewer for a typo), else null.
 */
export type Unwalked = { expansion: string[][]; candidates: Array<string[] | null> };

const SLOT = '\u0001';
type SlotName =
  | 'words'
  | 'terms'
  | 'want'
  | 'c1'
  | 'c1Value'
  | 'c1Id'
  | 'c0Value'
  | 'c0Id'
  | 'floor'
  | 'template'
  | 'category'
  | 'owner'
  | 'verified'
  | 'minRating'
  | 'region'
  | 'architecture';
const slot = <T>(name: SlotName) => `${SLOT}${name}` as T;
/** Past every posting: ratings are 0..10 half stars, ids below 2^53. */
const TOP = { value: 11, id: Number.MAX_SAFE_INTEGER };

type Filters = Omit<SearchFilters, 'terms'>;

/**
 * How a walk statement is asked and answers: `rows` (walkWords) and `items` (walkItems) expand
 * their words; `terms` (walkTerms) is given each term's words and answers as `items`.
 */
type Kind = 'rows' | 'items' | 'terms';

/** The statement of n words (or terms) and these filters (values as slots). */
function walkStatement(db: Db, n: number, f: Filters, kind: Kind): RawBuilder<unknown> {
  const s = (name: SlotName) => sql`${slot(name)}`;
  const listing = withFilters(
    db
      .selectFrom('images as i')
      .innerJoin('image_stats as st', 'st.image_id', 'i.id')
      .select(sql`1`.as('one'))
      .whereRef('i.id', '=', sql.ref('p.image_id') as never),
    {
      ...f,
      template: f.template && slot('template'),
      category: f.category && slot('category'),
      owner: f.owner && slot('owner'),
      verified: f.verified === undefined ? undefined : slot<boolean>('verified'),
      minRating: f.minRating === undefined ? undefined : slot<number>('minRating'),
      region: f.region && slot('region'),
      architecture: f.architecture && slot('architecture'),
    },
  );
  const termWords = (k: number) => sql.raw(`(SELECT words FROM t WHERE n = ${k})::text[]`);
  // Term k has a posting (in the title: field 1) of the listing; the driver's own is p.
  const has = (k: number, title: boolean) =>
    sql`EXISTS (SELECT 1 FROM search_postings x WHERE x.image_id = p.image_id AND x.word = ANY(${termWords(k)})${
      title ? sql` AND x.field >= 1` : sql``
    } OFFSET 0)`;
  const others = Array.from({ length: n }, (_, k) => k + 1);
  const phase = (cls: 0 | 1) => {
    // The other terms' postings first: in a query of several words they reject most of the
    // driver's postings, each with one probe of the postings' key, before the listing's filters
    // (two probes or more) run. Nested CASEs keep this order: PostgreSQL would sort the ANDed
    // subplans by its cost estimates (and put the listing's first).
    const conditions: RawBuilder<unknown>[] = [];
    if (n > 1) {
      for (const k of others) conditions.push(sql`((SELECT n FROM d) = ${sql.lit(k)} OR ${has(k, cls === 1)})`);
      if (cls === 0)
        conditions.push(
          sql`(p.field = 0 OR ${sql.join(
            others.map((k) => sql`((SELECT n FROM d) <> ${sql.lit(k)} AND NOT ${has(k, true)})`),
            sql` OR `,
          )})`,
        );
    }
    conditions.push(
      // The listing's best posting among the driver's words (highest field, then the first word).
      sql`(cardinality((SELECT words FROM d)::text[]) = 1 OR NOT EXISTS (SELECT 1 FROM search_postings x
        WHERE x.image_id = p.image_id AND x.word = ANY((SELECT words FROM d)::text[])
        AND (x.field > p.field OR (x.field = p.field AND x.word < p.word)) OFFSET 0))`,
    );
    const matches = conditions.reduceRight(
      (then, condition) => sql`CASE WHEN ${condition} THEN ${then} ELSE false END`,
      sql`EXISTS (${listing.modifyEnd(sql` OFFSET 0`)})`,
    );
    const fields = cls === 1 || n > 1 ? sql.raw(cls === 1 ? `'{1}'` : `'{1,0}'`) : sql.raw(`'{0}'`);
    const limit = cls === 1 ? s('want') : sql`${s('want')} - (SELECT count(*) FROM c1)`;
    const run = cls === 1 ? s('c1') : sql`(SELECT count(*) FROM c1) < ${s('want')}`;
    const [value, id] = cls === 1 ? [s('c1Value'), s('c1Id')] : [s('c0Value'), s('c0Id')];
    return sql`SELECT ${sql.lit(cls)}::int AS cls, p.rating, p.image_id
      FROM unnest((SELECT words FROM d)::text[]) dw(word) CROSS JOIN unnest(${fields}::int[]) f(field)
      CROSS JOIN LATERAL (SELECT p.rating, p.image_id FROM search_postings p
        WHERE ${run} AND p.word = dw.word AND p.field = f.field AND (p.rating, p.image_id) < (${value}, ${id})${
          f.minRating !== undefined ? sql` AND p.rating >= ${s('floor')}` : sql``
        } AND ${matches}
        ORDER BY p.rating DESC, p.image_id DESC LIMIT ${limit}) p
      ORDER BY p.rating DESC, p.image_id DESC LIMIT ${limit}`;
  };
  // When not walked (no driver): the expansion, and the typo candidates of the words it lacks.
  const unwalked = sql`CASE WHEN NOT EXISTS (SELECT 1 FROM d) THEN (SELECT json_agg(words ORDER BY n) FROM t) END AS expansion,
      CASE WHEN NOT EXISTS (SELECT 1 FROM d) THEN (SELECT json_agg(CASE WHEN cardinality(t.words) = 0 AND t.term IS NOT NULL
        THEN (SELECT coalesce(json_agg(near.word), '[]') FROM (${similarWordsSql(sql`t.term`)}) near) END ORDER BY t.n) FROM t)
      END AS candidates`;
  // The page as the API shows it (services/present.ts toSummary, search-page.ts versionsOf), one
  // JSON text: the first `want - 1` rows in order, each its listing's card (migration
  // 2026120390: what toSummary shows but the counters) with the counters put in, the row a next
  // page starts after, how many.
  const presented = sql`, pk AS (SELECT pg.*, row_number() OVER (ORDER BY pg.cls DESC, pg.rating DESC, pg.image_id DESC) AS k FROM pg)
    SELECT (SELECT '[' || string_agg(${cardText('c', 'st')}, ', ' ORDER BY pk.k) || ']'
        FROM pk JOIN listing_cards c ON c.image_id = pk.image_id JOIN image_stats st ON st.image_id = pk.image_id
        WHERE pk.k < ${s('want')}) AS items,
      (SELECT count(*)::int FROM pk) AS got, l.cls, l.rating AS rank_rating, l.image_id AS id, ${unwalked}
    FROM (SELECT 1) one LEFT JOIN pk l ON l.k = ${s('want')} - 1`;
  // Each term's words: the vocabulary words a query word begins, or given (a JSON array of arrays).
  const terms =
    kind === 'terms'
      ? sql`SELECT q.n::int AS n, ARRAY(SELECT json_array_elements_text(q.words)) AS words, NULL::text AS term
      FROM json_array_elements(${s('terms')}::json) WITH ORDINALITY AS q(words, n)`
      : sql`SELECT q.n::int AS n, (SELECT coalesce(array_agg(word), '{}') FROM (SELECT word FROM search_words
        WHERE word ~>=~ q.term AND word ~<~ (q.term || chr(1114111)) AND starts_with(word, q.term)
        LIMIT ${sql.lit(PREFIX_LIST + 1)}) w) AS words, q.term
      FROM unnest(${s('words')}::text[]) WITH ORDINALITY AS q(term, n)`;
  const head = sql`WITH t AS MATERIALIZED (${terms}),
    d AS MATERIALIZED (SELECT n, words FROM t WHERE cardinality(words) BETWEEN 1 AND ${sql.lit(FAST_WORDS)}
      AND NOT EXISTS (SELECT 1 FROM t z WHERE cardinality(z.words) NOT BETWEEN 1 AND ${sql.lit(PREFIX_LIST)})
      ORDER BY cardinality(words), length(words[1]) DESC, n LIMIT 1),
    c1 AS MATERIALIZED (${phase(1)}),
    c0 AS (${phase(0)}),
    pg AS (SELECT * FROM c1 UNION ALL SELECT * FROM c0)`;
  return kind !== 'rows'
    ? sql`${head}
    ${presented}`
    : sql`${head}
    SELECT s.*, (SELECT json_agg(json_build_array(v.id, v.version, r.region, r.architecture))
        FROM image_versions v JOIN image_regions r ON r.version_id = v.id
        WHERE v.image_id = s.id AND v.status <> 'revoked') AS v_images,
      ${unwalked}
    FROM (SELECT 1) one LEFT JOIN (SELECT i.id, i.name, i.template, i.category, i.description, i.tags, i.visibility,
        i.verified, st.rating_avg, st.rating_count, st.download_count, st.launch_count, i.updated_at,
        u.handle AS owner, i.updated_at::text AS updated_at_key, pg.rating AS rank_rating, pg.cls
      FROM pg JOIN images i ON i.id = pg.image_id JOIN image_stats st ON st.image_id = pg.image_id
      JOIN users u ON u.id = i.owner_id) s ON true
    ORDER BY s.cls DESC, s.rank_rating DESC, s.id DESC`;
}

/**
 * Compiled statements by shape (number of words, which filters are set, the viewer's scope):
 * built with Kysely once, with slots for the values (as db/queries/resolve.ts hitStatement).
 */
const shapes = new Map<string, { statement: PreparedStatement; parameters: readonly unknown[] }>();
const MAX_SHAPES = 500;

function shapeOf(db: Db, n: number, f: Filters, kind: Kind) {
  const key = JSON.stringify([
    kind,
    n,
    f.visible.scope.key,
    f.visible.includeHidden,
    // Set as withFilters reads them (an empty string filters nothing).
    !!f.template,
    !!f.category,
    !!f.owner,
    f.verified !== undefined,
    f.minRating !== undefined,
    !!f.region,
    !!f.architecture,
  ]);
  let shape = shapes.get(key);
  if (!shape) {
    const compiled = walkStatement(db, n, f, kind).compile(db);
    shape = { statement: preparedStatement(compiled.sql), parameters: compiled.parameters };
    if (shapes.size >= MAX_SHAPES) shapes.delete(shapes.keys().next().value!);
    shapes.set(key, shape);
  }
  return shape;
}

type WalkRow = PageRow & {
  cls: number | null;
  rank_rating: number;
  expansion: string[][] | null;
  candidates: Array<string[] | null> | null;
} & VersionArrays;

const unwalkedOf = (row: Pick<WalkRow, 'expansion' | 'candidates'>): Unwalked => ({
  expansion: row.expansion!.map((w) => w.sort()),
  candidates: row.candidates?.map((c) => c?.sort() ?? null) ?? row.expansion!.map(() => null),
});

/** The statement of this shape and its values for this page. */
function bound(
  db: Db,
  words: string[] | string[][],
  f: Filters,
  limit: number,
  after: RelevanceAfter | undefined,
  kind: Kind,
) {
  const { statement, parameters } = shapeOf(db, words.length, f, kind);
  const c1 = after?.cls === 1 ? after : TOP;
  const c0 = after?.cls === 0 ? after : TOP;
  const values: Record<SlotName, unknown> = {
    words: kind === 'terms' ? undefined : words,
    terms: kind === 'terms' ? JSON.stringify(words) : undefined,
    want: limit + 1,
    c1: after === undefined || after.cls === 1,
    c1Value: c1.value,
    c1Id: c1.id,
    c0Value: c0.value,
    c0Id: c0.id,
    floor: f.minRating === undefined ? undefined : ratingKey(f.minRating),
    template: f.template,
    category: f.category,
    owner: f.owner,
    verified: f.verified,
    minRating: f.minRating,
    region: f.region,
    architecture: f.architecture,
  };
  return executePrepared<WalkRow>(
    db,
    statement,
    parameters.map((v) => (typeof v === 'string' && v.startsWith(SLOT) ? values[v.slice(SLOT.length) as SlotName] : v)),
  );
}

const nextOf = (r: { cls: number | null; rank_rating: number; id: number }): RelevanceAfter => ({
  cls: Number(r.cls) as 0 | 1,
  value: Number(r.rank_rating),
  id: Number(r.id),
});

/** One relevance page of `words` (services/search-terms.ts queryWords) in one statement, or their expansion. */
export async function walkWords(
  db: Db,
  words: string[],
  f: Filters,
  limit: number,
  after?: RelevanceAfter,
): Promise<WalkResult> {
  const got = await bound(db, words, f, limit, after, 'rows');
  const first = got[0];
  if (first?.expansion) return unwalkedOf(first);
  const rows = first?.id == null ? [] : got;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const next: RelevanceAfter | null = rows.length > limit && last ? nextOf(last) : null;
  return {
    rows: page.map((r) => {
      const { cls: _c, rank_rating: _r, expansion: _e, candidates: _n, ...row } = versionsOf(r);
      return row as PageRow;
    }),
    next,
  };
}

/** A walked page: `items` is the JSON text of its listings (a `ListingSummary[]`), as `cardText` writes them. */
export type WalkItems = { items: string; next: RelevanceAfter | null } | Unwalked;

/**
 * The page of `walkWords` as the API shows it, presented by the statement: one row, the page's
 * listings as one JSON text shaped as services/present.ts toSummary shapes a row (decoding some
 * 20 columns of 21 rows, their dates, arrays and versions, and presenting them were most of a
 * search's CPU in Node after the round trip; parsing the JSON and writing it again, a tenth).
 * But for the rating's rounding: `rating.average` is the stored float4 as its text gives it
 * (services/search.ts rounds it in the text, as toSummary). search-walk.test.ts compares the two.
 */
export function walkItems(
  db: Db,
  words: string[],
  f: Filters,
  limit: number,
  after?: RelevanceAfter,
): Promise<WalkItems> {
  return itemsOf(bound(db, words, f, limit, after, 'items'), limit);
}

/**
 * As walkItems, of terms already known (each term's vocabulary words, at most PREFIX_LIST: a
 * query's words after typo correction, services/search.ts searchTerms), the page of
 * `relevancePage` over `{ words }` terms. Walked when some term has at most FAST_WORDS words;
 * otherwise it answers the terms as its expansion.
 */
export function walkTerms(
  db: Db,
  terms: string[][],
  f: Filters,
  limit: number,
  after?: RelevanceAfter,
): Promise<WalkItems> {
  return itemsOf(bound(db, terms, f, limit, after, 'terms'), limit);
}

async function itemsOf(statement: Promise<WalkRow[]>, limit: number): Promise<WalkItems> {
  const [row] = (await statement) as unknown as Array<{
    /** The page's listings, a JSON array (text: the caller sends it as it is, but for rounding). */
    items: string | null;
    got: number;
    cls: number | null;
    rank_rating: number;
    id: number;
    expansion: string[][] | null;
    candidates: Array<string[] | null> | null;
  }>;
  if (row!.expansion) return unwalkedOf(row!);
  return {
    items: row!.items ?? '[]',
    next: Number(row!.got) > limit && row!.id != null ? nextOf(row!) : null,
  };
}
