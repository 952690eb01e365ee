import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../../../test/helpers/registry.js';
import { searchDoc, wordsOf } from '../../services/present.js';
import { searchTerms } from '../../services/search.js';
import type { Database } from '../database.js';
import {
  prefixWords,
  type RelevanceAfter,
  relevancePage,
  type SearchFilters,
  type SearchTerm,
  searchListingIds,
  similarWords,
} from './search.js';
import { prefixWordsOf } from './search-page.js';
import { walkWords } from './search-walk.js';
import { ANONYMOUS } from './visibility.js';

// What an anonymous caller sees: the public listings the test makes.
const visible = { scope: ANONYMOUS, includeHidden: false };

// Relevance paging over the postings: walking every page with its cursor must give exactly the
// order of a straightforward reference (computed here from the listings' own fields, not from
// the postings), with no listing twice or missing, whatever the page size; and the postings
// must follow listing and rating writes.

let database: Database;
let close = async () => {};

const WORDS = ['alpha', 'alps', 'alpine', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'theta', 'データ'];
const TEMPLATES = ['genomics', 'python-ml', 'alpha-lab'];
type Listing = {
  id: number;
  owner: string;
  name: string;
  template: string;
  category: string | null;
  description: string;
  tags: string[];
  visibility: 'public' | 'private';
  rating: number;
};
let listings: Listing[] = [];
/** A deterministic pseudo-random number in [0, 1) of n and a salt. */
const u = (n: number, salt: number) => {
  const x = Math.sin(n * 12.9898 + salt * 78.233) * 43758.5453;
  return x - Math.floor(x);
};
const pick = <T>(list: T[], n: number, salt: number) => list[Math.floor(u(n, salt) * list.length)]!;

beforeAll(async () => {
  ({ database, close } = await migratedDatabase());
  const owners = await database.db
    .insertInto('users')
    .values([
      { handle: 'owner', role: 'user' },
      { handle: 'alpha-owner', role: 'user' },
    ])
    .returning(['id', 'handle'])
    .execute();
  // 400 listings; words in names, tags, templates and descriptions; ratings repeat (ties).
  const draft = Array.from({ length: 400 }, (_, n) => {
    const owner = owners[n % 7 === 0 ? 1 : 0]!;
    const description = Array.from({ length: 3 + Math.floor(u(n, 1) * 6) }, (_, k) => pick(WORDS, n * 10 + k, 2)).join(
      ' ',
    );
    const tags = u(n, 3) < 0.5 ? [pick(WORDS, n, 4)] : u(n, 5) < 0.5 ? [pick(WORDS, n, 6), 'misc'] : [];
    return {
      owner,
      name: `${u(n, 7) < 0.3 ? `${pick(WORDS, n, 8)}-` : ''}l${n}`,
      template: pick(TEMPLATES, n, 9),
      category: u(n, 10) < 0.2 ? 'alpha-things' : null,
      description: u(n, 11) < 0.1 ? `Alpha ${description}` : description,
      tags,
      visibility: (n % 17 === 0 ? 'private' : 'public') as 'public' | 'private',
    };
  });
  const ids = await database.db
    .insertInto('images')
    .values(
      draft.map((l) => ({
        owner_id: l.owner.id,
        name: l.name,
        template: l.template,
        category: l.category,
        visibility: l.visibility,
        description: l.description,
        tags: l.tags,
        // As services/listings.ts publish() builds it.
        search_doc: searchDoc([l.owner.handle, l.name, l.template, l.category, l.description, ...l.tags]),
      })),
    )
    .returning('id')
    .execute();
  listings = draft.map((l, k) => ({ ...l, owner: l.owner.handle, id: Number(ids[k]!.id), rating: 0 }));
  // Ratings through image_stats, as the rating write sets them (the postings follow by trigger).
  const ratings = [0, 1, 2.5, 3, 3.2, 3.4, 4, 4.5, 4.75, 5];
  for (const l of listings) l.rating = pick(ratings, l.id, 12);
  await sql`UPDATE image_stats s SET rating_avg = x.r
    FROM (SELECT unnest(${sql.raw(`ARRAY[${listings.map((l) => l.id).join(',')}]::bigint[]`)}) AS id,
                 unnest(${sql.raw(`ARRAY[${listings.map((l) => l.rating).join(',')}]::real[]`)}) AS r) x
    WHERE x.id = s.image_id`.execute(database.db);
});
afterAll(() => close());

/** The order relevance paging promises, computed from the listings' fields. */
function reference(terms: SearchTerm[], filter: (l: Listing) => boolean = () => true): number[] {
  const has = (t: SearchTerm, w: string) => ('prefix' in t ? w.startsWith(t.prefix) : t.words.includes(w));
  return listings
    .filter((l) => l.visibility === 'public' && filter(l))
    .flatMap((l) => {
      const doc = wordsOf(searchDoc([l.owner, l.name, l.template, l.category, l.description, ...l.tags]));
      const title = wordsOf(searchDoc([l.name, l.template, l.category, ...l.tags]));
      let cls = 1;
      for (const t of terms) {
        if (!doc.some((w) => has(t, w))) return [];
        if (!title.some((w) => has(t, w))) cls = 0;
      }
      return [{ id: l.id, cls, key: Math.floor(l.rating * 2) }];
    })
    .sort((a, b) => b.cls - a.cls || b.key - a.key || b.id - a.id)
    .map((r) => r.id);
}

async function walk(f: SearchFilters & { terms: SearchTerm[] }, limit: number) {
  const ids: number[] = [];
  let after: RelevanceAfter | undefined;
  for (let pages = 0; pages < 500; pages++) {
    const { rows, next } = await relevancePage(database.db, f, limit, after);
    expect(rows.length).toBeLessThanOrEqual(limit);
    // The same cursor gives the same page again.
    const again = await relevancePage(database.db, f, limit, after);
    expect(again.rows.map((r) => r.id)).toEqual(rows.map((r) => r.id));
    ids.push(...rows.map((r) => Number(r.id)));
    if (!next) return ids;
    expect(rows.length).toBe(limit);
    after = JSON.parse(JSON.stringify(next)) as RelevanceAfter;
  }
  throw new Error('paging did not end');
}

const alp: SearchTerm = { words: ['alpha', 'alpine', 'alps'] };

describe('relevance paging over the postings', () => {
  const cases: Array<[string, SearchTerm[]]> = [
    ['one word', [{ words: ['alpha'] }]],
    ['a prefix of several words', [alp]],
    ['a broad prefix (sorted, not walked)', [{ prefix: 'al' }]],
    ['two words', [{ words: ['beta'] }, { words: ['gamma'] }]],
    ['a prefix and a word', [alp, { words: ['delta'] }]],
    ['three words, one broad', [{ words: ['beta'] }, { prefix: 'ga' }, { words: ['zeta', 'theta'] }]],
    ['a non-Latin word', [{ words: ['データ'] }]],
  ];
  for (const [label, terms] of cases) {
    for (const limit of [1, 7, 20]) {
      it(`${label}, pages of ${limit}: every match once, in the promised order`, async () => {
        const expected = reference(terms);
        expect(expected.length).toBeGreaterThan(10);
        expect(await walk({ terms, visible }, limit)).toEqual(expected);
      });
    }
  }

  it('ranks a listing whose name or tags hold the word above one that only mentions it, better rated first', async () => {
    const { rows } = await relevancePage(database.db, { terms: [{ words: ['zeta'] }], visible }, 100);
    const byId = new Map(listings.map((l) => [l.id, l]));
    const cls = rows.map((r) => {
      const l = byId.get(Number(r.id))!;
      return wordsOf(searchDoc([l.name, l.template, l.category, ...l.tags])).includes('zeta') ? 1 : 0;
    });
    expect(cls).toEqual([...cls].sort((a, b) => b - a));
    expect(cls).toContain(0);
    expect(cls).toContain(1);
    const first = rows.filter((_, k) => cls[k] === 1).map((r) => Number(r.rating_avg));
    expect(first.map((r) => Math.floor(r * 2))).toEqual([...first.map((r) => Math.floor(r * 2))].sort((a, b) => b - a));
  });

  it('applies the filters (template, rating) and every term to each page', async () => {
    const terms: SearchTerm[] = [alp, { words: ['beta', 'delta'] }];
    const f = { terms, template: 'genomics', minRating: 3.3, visible };
    const expected = reference(terms, (l) => l.template === 'genomics' && l.rating >= 3.3);
    expect(expected.length).toBeGreaterThan(10);
    expect(await walk(f, 6)).toEqual(expected);
    // The other sorts match the same listings.
    const byRating = await searchListingIds(database.db, f, 'rating', 1000);
    expect(byRating.map((r) => Number(r.id)).sort()).toEqual([...expected].sort());
  });

  it('expands a prefix to the vocabulary words it begins', async () => {
    expect(await prefixWords(database.db, 'alp', 100)).toEqual(alp.words);
    expect(await prefixWords(database.db, 'al', 2)).toHaveLength(2);
    expect(await prefixWords(database.db, 'データ', 10)).toEqual(['データ']);
  });

  it("expands every word of a query in one statement, exactly as each word's own prefix lookup", async () => {
    // Vocabulary words a LIKE pattern or a literal would get wrong: wildcards, quotes, backslashes,
    // other scripts, the longest word kept.
    const extra = ['al_x', 'al%y', "al'q", 'al\\z', 'データベース', 'ﾃﾞｰﾀ', `l${'o'.repeat(37)}ng`];
    await database.db
      .insertInto('search_words')
      .values(extra.map((word) => ({ word })))
      .execute();
    try {
      const vocabulary = (await database.db.selectFrom('search_words').select('word').execute()).map((r) => r.word);
      const terms = [
        'al',
        'alp',
        'al_',
        'al%',
        "al'",
        'al\\',
        'データ',
        'デ',
        'ﾃﾞ',
        'l',
        'loo',
        extra[6]!,
        'zz',
        "'; --",
      ];
      const got = await prefixWordsOf(database.db, terms, 1000);
      expect(got).toEqual(terms.map((t) => vocabulary.filter((w) => w.startsWith(t)).sort()));
      expect(got[0]!.length).toBeGreaterThan(4);
      expect(got[4]).toEqual(["al'q"]);
      expect(await prefixWordsOf(database.db, terms, 1000)).toEqual(got);
      // The cut: at most `max` per word, each word on its own.
      const cut = await prefixWordsOf(database.db, ['al', 'データ'], 2);
      expect(cut.map((w) => w.length)).toEqual([2, 2]);
      expect(await prefixWordsOf(database.db, [], 10)).toEqual([]);
      await expect(prefixWordsOf(database.db, ['a\0b'], 10)).rejects.toMatchObject({ code: '22021' });
    } finally {
      await database.db.deleteFrom('search_words').where('word', 'in', extra).execute();
    }
  });

  it('walks a query in one statement with the pages of relevancePage, or hands back the expansion', async () => {
    const queries = [['alpha'], ['alp'], ['beta', 'gamma'], ['alp', 'delta'], ['データ'], ['beta', 'ga', 'zeta']];
    for (const words of queries) {
      const terms = (await searchTerms(database.db, words))!;
      for (const [limit, f] of [
        [7, { visible }],
        [5, { visible, template: 'genomics', minRating: 3.3 }],
      ] as const) {
        let after: RelevanceAfter | undefined;
        for (let pages = 0; pages < 200; pages++) {
          const want = await relevancePage(database.db, { ...f, terms }, limit, after);
          const got = await walkWords(database.db, words, f, limit, after);
          expect(got).toEqual(want);
          if (!want.next) break;
          after = JSON.parse(JSON.stringify(want.next)) as RelevanceAfter;
        }
      }
    }
    // Not walked: a word the vocabulary lacks; no term of at most FAST_WORDS words to drive the walk.
    expect(await walkWords(database.db, ['alpah'], { visible }, 5)).toEqual({
      expansion: [[]],
      candidates: [(await similarWords(database.db, 'alpah')).sort()],
    });
    const extra = ['widea', 'wideb', 'widec', 'wided', 'widee'];
    await database.db
      .insertInto('search_words')
      .values(extra.map((word) => ({ word })))
      .execute();
    try {
      expect(await walkWords(database.db, ['wide', 'beta'], { visible }, 5)).toMatchObject({ rows: [] });
      expect(await walkWords(database.db, ['wide'], { visible }, 5)).toEqual({
        expansion: [extra],
        candidates: [null],
      });
    } finally {
      await database.db.deleteFrom('search_words').where('word', 'in', extra).execute();
    }
  });

  it('follows listing and rating writes', async () => {
    const terms: SearchTerm[] = [{ words: ['omega'] }];
    expect(await walk({ terms, visible }, 5)).toEqual([]);
    // A new word in a description (a mirror or import rewrites search_doc), a tag, a rating.
    const l = listings.find((x) => x.visibility === 'public' && !x.tags.includes('omega'))!;
    l.description = `${l.description} omega`;
    await database.db
      .updateTable('images')
      .set({
        description: l.description,
        search_doc: searchDoc([l.owner, l.name, l.template, l.category, l.description, ...l.tags]),
      })
      .where('id', '=', l.id)
      .execute();
    expect(await walk({ terms, visible }, 5)).toEqual([l.id]);
    expect(await prefixWords(database.db, 'omeg', 10)).toEqual(['omega']);
    const other = listings.find((x) => x.visibility === 'public' && x.id !== l.id && x.rating === 5)!;
    other.tags = [...other.tags, 'omega'];
    await database.db
      .updateTable('images')
      .set({
        tags: other.tags,
        search_doc: searchDoc([
          other.owner,
          other.name,
          other.template,
          other.category,
          other.description,
          ...other.tags,
        ]),
      })
      .where('id', '=', other.id)
      .execute();
    // A tag is a title word: class 1 first.
    expect(await walk({ terms, visible }, 5)).toEqual([other.id, l.id]);
    l.rating = 5;
    other.rating = 4.2;
    await sql`UPDATE image_stats SET rating_avg = 5 WHERE image_id = ${l.id}`.execute(database.db);
    await sql`UPDATE image_stats SET rating_avg = 4.2 WHERE image_id = ${other.id}`.execute(database.db);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM search_postings
      WHERE image_id IN (${l.id}, ${other.id}) AND rating <> search_rating_key(
        (SELECT rating_avg FROM image_stats WHERE image_id = search_postings.image_id))`.execute(database.db);
    expect(rows[0]!.n).toBe(0);
    for (const t of [terms, [alp], [{ words: ['beta'] }, { words: ['gamma'] }]] as SearchTerm[][])
      expect(await walk({ terms: t, visible }, 7)).toEqual(reference(t));
  });

  it('keeps one posting per word and listing, matching what the write path splits', async () => {
    const { rows } = await sql<{ image_id: number; word: string; field: number }>`
      SELECT image_id, word, field FROM search_postings ORDER BY image_id, word`.execute(database.db);
    const expected = listings
      .flatMap((l) => {
        const title = new Set(wordsOf(searchDoc([l.name, l.template, l.category, ...l.tags])));
        return wordsOf(searchDoc([l.owner, l.name, l.template, l.category, l.description, ...l.tags])).map((word) => ({
          image_id: l.id,
          word,
          field: title.has(word) ? 1 : 0,
        }));
      })
      .sort((a, b) => a.image_id - b.image_id || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
    expect(rows.map((r) => ({ ...r, image_id: Number(r.image_id), field: Number(r.field) }))).toEqual(expected);
  });
});
