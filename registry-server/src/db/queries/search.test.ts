import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../database.js';
import { relevancePage, type SearchAfter, type SearchFilters } from './search.js';
import { ANONYMOUS } from './visibility.js';

// What an anonymous caller sees: the public listings the test makes.
const visible = { scope: ANONYMOUS, includeHidden: false };

// Relevance paging with a bounded pool: the `pool` best-rated matches ranked by ts_rank, then
// the rest by rating. Walking every page with its cursor must give exactly that order, with no
// listing twice or missing, whatever the page size (pages that end on, before or across the
// end of the pool).

const serverUrl = process.env.DATABASE_URL || null;
let database: Database;
let drop = async () => {};

beforeAll(async () => {
  if (serverUrl) {
    const name = `cws_test_search_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    database = await createDatabase({ kind: 'postgres', url: url.toString(), poolMax: 3 });
    drop = async () => {
      const s = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await s.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await s.end();
    };
  } else {
    database = await createDatabase({ kind: 'pglite', dataDir: null });
  }
  await database.migrate();
  const [owner] = await database.db
    .insertInto('users')
    .values({ handle: 'owner', role: 'user' })
    .returning('id')
    .execute();
  // 160 listings; 3 in 4 mention "alpha", some several times (different ts_rank); ratings repeat.
  await database.db
    .insertInto('images')
    .values(
      Array.from({ length: 160 }, (_, n) => ({
        owner_id: owner!.id,
        name: `l${n}`,
        template: n % 3 === 0 ? 'genomics' : 'python-ml',
        visibility: n % 17 === 0 ? 'private' : 'public',
        description: '',
        tags: [],
        search_doc:
          n % 4 === 3 ? `beta gamma ${n}` : `${'alpha '.repeat(1 + (n % 5))}delta word${n % 7} filler text ${n}`,
      })),
    )
    .execute();
  // Ratings repeat; the counters live in image_stats (a row per listing, made by the trigger).
  await sql`UPDATE image_stats s SET rating_avg = (ARRAY[0, 3, 4, 4, 4.5, 5])[1 + (x.n * 7) % 6], rating_count = (x.n * 7) % 6
    FROM (SELECT id, substr(name, 2)::int AS n FROM images) x WHERE x.id = s.image_id`.execute(database.db);
});
afterAll(async () => {
  await database?.close();
  await drop();
});

/** The order relevance paging promises, as one straightforward query over every match. */
async function reference(f: SearchFilters, pool: number, window = 1_000_000): Promise<number[]> {
  const q = sql`to_tsquery('simple', ${f.tsquery!})`;
  const template = f.template ?? null;
  // The pool: the `pool` best-rated matches among the `window` best-rated listings of all.
  const { rows } = await sql<{ id: number }>`
    WITH w AS (
      SELECT image_id, row_number() OVER (ORDER BY rating_avg DESC, image_id DESC) <= ${window} AS inside
      FROM image_stats),
    m AS (
      SELECT i.id, s.rating_avg, ts_rank(i.search_tsv, ${q}) AS rank,
             row_number() OVER (PARTITION BY w.inside ORDER BY s.rating_avg DESC, i.id DESC) AS rn, w.inside
      FROM images i JOIN image_stats s ON s.image_id = i.id JOIN w ON w.image_id = i.id
      WHERE i.search_tsv @@ ${q} AND i.visibility = 'public'
        AND (${template}::text IS NULL OR i.template = ${template}::text)),
    p AS (SELECT *, inside AND rn <= ${pool} AS ranked FROM m)
    SELECT id FROM p
    ORDER BY ranked DESC, CASE WHEN ranked THEN rank END DESC, rating_avg DESC, id DESC`.execute(database.db);
  return rows.map((r) => Number(r.id));
}

async function walk(f: SearchFilters & { tsquery: string }, limit: number, pool: number, window?: number) {
  const ids: number[] = [];
  let after: SearchAfter | undefined;
  for (let pages = 0; pages < 200; pages++) {
    const { rows, next } = await relevancePage(database.db, f, limit, after, pool, window);
    expect(rows.length).toBeLessThanOrEqual(limit);
    // The same cursor gives the same page again.
    const again = await relevancePage(database.db, f, limit, after, pool, window);
    expect(again.rows.map((r) => r.id)).toEqual(rows.map((r) => r.id));
    ids.push(...rows.map((r) => r.id));
    if (!next) return ids;
    expect(rows.length).toBe(limit);
    after = JSON.parse(JSON.stringify(next)) as SearchAfter;
  }
  throw new Error('paging did not end');
}

describe('relevance paging with a bounded pool', () => {
  for (const [pool, limit] of [
    [20, 7],
    [20, 5],
    [20, 20],
    [20, 1],
    [1000, 9],
  ] as const) {
    it(`pool ${pool}, pages of ${limit}: every match once, in the promised order`, async () => {
      const f = { tsquery: 'alpha', visible };
      const expected = await reference(f, pool);
      expect(expected.length).toBeGreaterThan(100);
      expect(await walk(f, limit, pool)).toEqual(expected);
    });
  }

  for (const [pool, window, limit] of [
    [20, 24, 7],
    [20, 15, 4],
    [1000, 60, 9],
  ] as const) {
    it(`pool ${pool} within the ${window} best-rated, pages of ${limit}: every match once, in order`, async () => {
      const f = { tsquery: 'alpha', visible };
      const expected = await reference(f, pool, window);
      expect(expected.length).toBeGreaterThan(100);
      // The window matters here: the unbounded order differs.
      expect(expected).not.toEqual(await reference(f, pool));
      expect(await walk(f, limit, pool, window)).toEqual(expected);
    });
  }

  it('applies the filters to the ranked pool and to what follows it', async () => {
    const f = { tsquery: 'alpha', template: 'genomics', visible };
    const expected = await reference(f, 10);
    expect(expected.length).toBeGreaterThan(20);
    expect(await walk(f, 6, 10)).toEqual(expected);
  });

  it('ranks within the pool: more mentions of the word first', async () => {
    const { rows } = await relevancePage(database.db, { tsquery: 'alpha', visible }, 5, undefined, 1000);
    // n % 5 === 4 repeats "alpha" five times: those rank highest.
    expect(rows.every((r) => Number(r.name.slice(1)) % 5 === 4)).toBe(true);
  });
});
