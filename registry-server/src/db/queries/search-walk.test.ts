import type { ListingSummary, SearchQuery } from '@cws/shared';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../../../test/helpers/registry.js';
import { searchDoc, toSummary } from '../../services/present.js';
import { roundedAverages, SearchService } from '../../services/search.js';
import type { Database } from '../database.js';
import { PREFIX_LIST, type RelevanceAfter, relevancePage, type SearchSort, similarWords } from './search.js';
import { prefixWordsOf, versionsOf, withVersions } from './search-page.js';
import { type Unwalked, walkItems, walkTerms, walkWords } from './search-walk.js';
import { ANONYMOUS } from './visibility.js';

// walkItems presents a page in SQL; it must show exactly what walkWords' rows become through
// services/present.ts toSummary (byte for byte: same keys in the same order, same values), page
// by page with the same cursors, for listings with and without versions, revoked versions,
// regions in any order, text that needs escaping, ratings that round awkwardly and dates with
// microseconds.

const visible = { scope: ANONYMOUS, includeHidden: false };
let database: Database;
let close = async () => {};

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'ap-south-1', 'us-west-2'];
const RATINGS = [0, 1.005, 2.675, 4.445, 3.3333333, 5, 1.115, 4.995];
const TEXTS = [
  'plain',
  'quote " and \\ backslash',
  'tab\tnew\nline',
  'データ 🚀 astral',
  "it's <b>&amp;</b>",
  '\u2028sep',
  // What services/search.ts roundedAverages looks for, in a text: left as it is.
  '"average" : 4.4444}, {"average" : 1.23456, "rating" : {"average" : 2.6749',
];

beforeAll(async () => {
  ({ database, close } = await migratedDatabase());
  const [owner, other] = await database.db
    .insertInto('users')
    .values([
      { handle: 'walker', role: 'user' },
      { handle: 'other-walker', role: 'user' },
    ])
    .returning(['id', 'handle'])
    .execute();
  for (let n = 0; n < 40; n++) {
    const who = n % 3 === 0 ? other! : owner!;
    const text = TEXTS[n % TEXTS.length]!;
    const tags = n % 4 === 0 ? [] : ['kappa', `t${n}`];
    const category = n % 5 === 0 ? null : 'kappa-things';
    const description = `kappa lambda ${text} ${n % 2 ? 'mu' : ''}`;
    const name = `${n % 6 === 0 ? 'kappa-' : ''}w${n}`;
    const template = n % 2 ? 'genomics' : 'python-ml';
    const [image] = await database.db
      .insertInto('images')
      .values({
        owner_id: who.id,
        name,
        template,
        category,
        description,
        tags,
        visibility: 'public',
        verified: n % 3 === 1,
        search_doc: searchDoc([who.handle, name, template, category, description, ...tags]),
      })
      .returning('id')
      .execute();
    const id = Number(image!.id);
    await sql`UPDATE images SET updated_at = ${`2026-11-${String(1 + (n % 28)).padStart(2, '0')} 10:11:12.${String(123456 + n * 7919).slice(0, 6)}+00`}::timestamptz
      WHERE id = ${id}`.execute(database.db);
    await sql`UPDATE image_stats SET rating_avg = ${RATINGS[n % RATINGS.length]}::real, rating_count = ${n * 3},
      download_count = ${n * 1000}, launch_count = ${n * 7} WHERE image_id = ${id}`.execute(database.db);
    // 0..3 versions; some revoked; each with 0..3 regions, not in order.
    for (let v = 0; v < n % 4; v++) {
      const status = (n + v) % 5 === 0 ? 'revoked' : v === (n % 4) - 1 ? 'active' : 'deprecated';
      const [version] = await database.db
        .insertInto('image_versions')
        .values({ image_id: id, version: `1.${v}.${n}`, status, created_by: who.id })
        .returning('id')
        .execute();
      for (let r = 0; r < (n + v) % 4; r++) {
        await database.db
          .insertInto('image_regions')
          .values({
            version_id: version!.id,
            region: REGIONS[(n * 3 + v * 2 + r) % REGIONS.length]!,
            architecture: (n + r) % 3 === 0 ? 'arm64' : 'x86_64',
            ami_id: `ami-${String(n * 100 + v * 10 + r).padStart(17, '0')}`,
          })
          .execute();
      }
    }
  }
});
afterAll(() => close());

describe('walkItems', () => {
  it('shows the pages of walkWords as toSummary does, with the same cursors', async () => {
    const filterSets = [
      { visible },
      { visible, template: 'genomics', minRating: 2 },
      { visible, architecture: 'arm64' },
      { visible, region: 'eu-west-1', verified: true },
      { visible, owner: 'walker' },
    ];
    let compared = 0;
    for (const words of [['kappa'], ['kap'], ['kappa', 'mu'], ['lambda', 'things'], ['データ']]) {
      for (const f of filterSets) {
        for (const limit of [3, 7]) {
          let after: RelevanceAfter | undefined;
          for (let pages = 0; pages < 50; pages++) {
            const want = await walkWords(database.db, words, f, limit, after);
            const got = await walkItems(database.db, words, f, limit, after);
            if (!('rows' in want)) throw new Error(`not walked: ${words}`);
            if (!('items' in got)) throw new Error(`not walked: ${words}`);
            const items = JSON.parse(roundedAverages(got.items)) as ListingSummary[];
            expect(JSON.stringify(items)).toBe(JSON.stringify(want.rows.map((r) => toSummary(r, r))));
            expect(got.next).toEqual(want.next);
            compared += items.length;
            if (!want.next) break;
            after = want.next;
          }
        }
      }
    }
    // The fixture is found, with versions, regions and awkward ratings among the pages.
    expect(compared).toBeGreaterThan(300);
  });

  it('walks terms already known (corrected typos) to the pages of relevancePage, as toSummary shows them', async () => {
    let compared = 0;
    const termSets = [[['kappa']], [['kappa', 'lambda'], ['mu']], [['things'], ['kappa', 'mu', 'w1', 'w2', 'w3']]];
    for (const terms of termSets) {
      for (const f of [
        { visible },
        { visible, template: 'genomics', minRating: 2 },
        { visible, architecture: 'arm64' },
      ]) {
        for (const limit of [3, 7]) {
          let after: RelevanceAfter | undefined;
          for (let pages = 0; pages < 50; pages++) {
            const want = await relevancePage(
              database.db,
              { ...f, terms: terms.map((words) => ({ words })) },
              limit,
              after,
            );
            const got = await walkTerms(database.db, terms, f, limit, after);
            if (!('items' in got)) throw new Error(`not walked: ${terms}`);
            const items = JSON.parse(roundedAverages(got.items)) as ListingSummary[];
            expect(JSON.stringify(items)).toBe(JSON.stringify(want.rows.map((r) => toSummary(r, r))));
            expect(got.next).toEqual(want.next);
            compared += items.length;
            if (!want.next) break;
            after = want.next;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(150);
    // No term of at most FAST_WORDS words: not walked, the terms come back.
    const wide = [['kappa', 'lambda', 'mu', 'things', 'w1']];
    expect(await walkTerms(database.db, wide, { visible }, 5)).toEqual({
      expansion: [[...wide[0]!].sort()],
      candidates: [null],
    });
  });

  it('hands back the expansion when the words cannot be walked, with the typo candidates of the words it lacks', async () => {
    const kapaa = (await similarWords(database.db, 'kapaa')).sort();
    expect(kapaa).toContain('kappa');
    expect(await walkItems(database.db, ['kapaa'], { visible }, 5)).toEqual({ expansion: [[]], candidates: [kapaa] });
    // Each word that begins no vocabulary word has its own; the others none.
    const words = ['lambda', 'lmabda', 'thigns', 'zzzzqqq', 'ka'];
    const got = await walkItems(database.db, words, { visible }, 5);
    expect(got).toEqual({
      expansion: await prefixWordsOf(database.db, words, PREFIX_LIST + 1),
      candidates: [
        null,
        (await similarWords(database.db, 'lmabda')).sort(),
        (await similarWords(database.db, 'thigns')).sort(),
        [],
        null,
      ],
    });
    expect((got as Unwalked).candidates[2]).toContain('things');
    expect(await walkItems(database.db, ['nosuchword', 'kappa'], { visible }, 5)).toEqual(
      await walkWords(database.db, ['nosuchword', 'kappa'], { visible }, 5),
    );
  });
});

describe('a page in another order (rating, downloads, recent, name)', () => {
  // Presented from the listings' cards too (search-page.ts withCards); the reference here builds
  // each listing from its own rows (withVersions' aggregate of its versions and regions, toSummary).
  async function reference(ids: number[]) {
    if (ids.length === 0) return [];
    const rows = await withVersions(
      sql<
        Parameters<typeof toSummary>[0] & { id: number }
      >`SELECT i.id, i.name, i.template, i.category, i.description, i.tags, i.visibility, i.verified, st.rating_avg,
          st.rating_count, st.download_count, st.launch_count, i.updated_at, u.handle AS owner
        FROM images i JOIN image_stats st ON st.image_id = i.id JOIN users u ON u.id = i.owner_id
        WHERE i.id = ANY(${ids}::bigint[])`,
      sql`s.id`,
    ).execute(database.db);
    const byId = new Map(rows.rows.map((r) => [Number(r.id), versionsOf(r)]));
    return ids.map((id) => {
      const row = byId.get(id)!;
      return toSummary(row, row);
    });
  }

  it('shows each listing as toSummary does, page by page', async () => {
    const service = new SearchService(
      database,
      { wrap: (_key: string, load: () => Promise<unknown>) => load() } as never,
      { scope: async () => ANONYMOUS } as never,
    );
    const idOf = new Map(
      (
        await database.db
          .selectFrom('images as i')
          .innerJoin('users as u', 'u.id', 'i.owner_id')
          .select(['i.id', 'i.name', 'u.handle'])
          .execute()
      ).map((r) => [`${r.handle}/${r.name}`, Number(r.id)]),
    );
    let compared = 0;
    for (const sort of ['rating', 'downloads', 'recent', 'name'] as SearchSort[]) {
      for (const f of [
        {},
        { template: 'genomics', min_rating: 2 },
        { architecture: 'arm64' as const },
        { q: 'kappa' },
      ]) {
        let cursor: string | undefined;
        for (let pages = 0; pages < 50; pages++) {
          const query = { ...f, sort, limit: 7, ...(cursor ? { cursor } : {}) } as SearchQuery;
          const page = await service.search(query, null);
          const want = await reference(page.items.map((item) => idOf.get(item.ref)!));
          expect(JSON.stringify(page.items)).toBe(JSON.stringify(want));
          compared += page.items.length;
          if (!page.next_cursor) break;
          cursor = page.next_cursor;
        }
      }
    }
    expect(compared).toBeGreaterThan(300);
  });
});
