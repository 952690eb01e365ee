import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from './pglite-open.js';
import { runStatement } from './pglite-statement.js';
import { PGliteThread } from './pglite-thread.js';

// runStatement (one batch of extended-protocol messages) must answer exactly as PGlite's own
// query() does: the same rows with the same JavaScript types, the same counts, the same errors.
// Checked on a PGlite of this thread against query() on the same database, and through the
// database thread (pglite-worker.ts runs every statement with it) against a second PGlite.
let pglite: PGlite;
let thread: PGliteThread;
let reference: PGlite;

const SCHEMA = [
  `CREATE TABLE typed (
    id bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    big bigint, small smallint, int integer, score real, ratio numeric(5, 2), ok boolean,
    doc jsonb, at timestamptz, day date, tags text[], counts integer[], blob bytea, words tsvector
  )`,
  `INSERT INTO typed (name, big, small, int, score, ratio, ok, doc, at, day, tags, counts, blob, words) VALUES
    ('full', 9007199254740991, -32768, 2147483647, 4.25, 3.14, true, '{"a": [1, "x", null], "b": {"c": 1.5}}',
     '2026-12-01 20:00:00.123456+00', '2026-12-01', ARRAY['ai', 'c,d', 'q"uote', 'back\\slash', NULL, 'データ'],
     ARRAY[1, NULL, 3], '\\x00ff10', to_tsvector('simple', 'python jupyter')),
    ('nulls', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    ('empty', 0, 0, 0, 0, 0, false, '[]', '1970-01-01 00:00:00+00', '1970-01-01', '{}', '{}', '\\x', '')`,
];

beforeAll(async () => {
  [pglite, reference] = await Promise.all([openPglite(null), openPglite(null)]);
  thread = await PGliteThread.open(null);
  for (const statement of SCHEMA)
    await Promise.all([pglite.query(statement), reference.query(statement), thread.query(statement)]);
});
afterAll(async () => {
  await Promise.all([pglite.close(), reference.close(), thread.close()]);
});

const SELECTS: [string, unknown[]][] = [
  ['SELECT * FROM typed ORDER BY id', []],
  ['SELECT * FROM typed WHERE name = $1', ['full']],
  ['SELECT * FROM typed WHERE name = ANY($1::text[]) ORDER BY id', [['nulls', 'empty']]],
  [
    'SELECT $1::jsonb AS doc, $2::timestamptz AS at, $3::bytea AS blob, $4::int8 AS big',
    [{ k: [1, 'two'] }, new Date('2026-12-01T20:00:00.5Z'), new Uint8Array([0, 1, 255]), 42],
  ],
  ['SELECT count(*) AS n, sum(big) AS total, avg(score) AS mean, avg(int) AS exact FROM typed', []],
  ['SELECT json_agg(t ORDER BY id) AS rows, array_agg(name ORDER BY id) AS names FROM typed t', []],
  ['SELECT $1::text AS s, $2::boolean AS b, $3::real AS r, $4::text AS n', ["it's \\ {a,b}", false, 0.5, null]],
  ['SELECT 1 AS one WHERE false', []],
];

describe('runStatement on a PGlite of this thread', () => {
  it.each(SELECTS)('%s answers as query() does', async (text, params) => {
    const ours = await runStatement(pglite, text, params);
    const theirs = await pglite.query(text, params, { rowMode: 'object' });
    expect(ours.rows).toEqual(theirs.rows);
    expect(ours.affectedRows).toBe(theirs.affectedRows);
  });

  it('reads every column type as query() does (bigint as a number, bytea as bytes, arrays, NULLs)', async () => {
    const { rows } = await runStatement<Record<string, unknown>>(pglite, 'SELECT * FROM typed ORDER BY id', []);
    expect(rows[0]).toMatchObject({
      id: 1,
      big: 9007199254740991,
      small: -32768,
      int: 2147483647,
      score: 4.25,
      ratio: '3.14', // numeric stays a string, as query() gives it
      ok: true,
      doc: { a: [1, 'x', null], b: { c: 1.5 } },
      at: new Date('2026-12-01T20:00:00.123Z'),
      tags: ['ai', 'c,d', 'q"uote', 'back\\slash', null, 'データ'],
      counts: [1, null, 3],
      blob: new Uint8Array([0, 255, 16]),
      words: "'jupyter':2 'python':1",
    });
    expect(Object.values(rows[1] ?? {}).filter((v) => v !== null)).toEqual([2, 'nulls']);
    expect(rows[2]).toMatchObject({ doc: [], tags: [], counts: [], blob: new Uint8Array([]) });
  });

  it('counts the rows an INSERT, UPDATE or DELETE touched, and returns RETURNING rows', async () => {
    const inserted = await runStatement(pglite, 'INSERT INTO typed (name) VALUES ($1), ($2) RETURNING name', [
      'i1',
      'i2',
    ]);
    expect(inserted).toEqual({ rows: [{ name: 'i1' }, { name: 'i2' }], affectedRows: 2 });
    const updated = await runStatement(pglite, "UPDATE typed SET big = 7 WHERE name LIKE 'i%'", []);
    expect(updated).toEqual({ rows: [], affectedRows: 2 });
    const deleted = await runStatement(pglite, 'DELETE FROM typed WHERE name = ANY($1::text[])', [
      ['i1', 'i2', 'nope'],
    ]);
    expect(deleted).toEqual({ rows: [], affectedRows: 2 });
    expect(await runStatement(pglite, 'DELETE FROM typed WHERE false', [])).toEqual({ rows: [], affectedRows: 0 });
  });

  it('raises the database error with its SQLSTATE and detail, and the session goes on', async () => {
    const err = await runStatement(pglite, 'INSERT INTO typed (name) VALUES ($1)', ['full']).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: '23505',
      constraint: 'typed_name_key',
      table: 'typed',
      query: expect.any(String),
    });
    expect((err as { detail: string }).detail).toContain('(name)=(full)');
    await expect(runStatement(pglite, 'SELECT nope FROM typed', [])).rejects.toMatchObject({ code: '42703' });
    await expect(runStatement(pglite, 'SELEC 1', [])).rejects.toMatchObject({ code: '42601' });
    await expect(runStatement(pglite, 'SELECT $1::int AS v', ['x'])).rejects.toMatchObject({ code: '22P02' });
    expect((await runStatement(pglite, 'SELECT 2 AS two', [])).rows).toEqual([{ two: 2 }]);
  });

  it('refuses a NUL in a string, as query() does (SQLSTATE 22021)', async () => {
    const theirs = await pglite.query('SELECT $1::text AS s', ['a\0b']).catch((e: unknown) => e);
    await expect(runStatement(pglite, 'SELECT $1::text AS s', ['a\0b'])).rejects.toMatchObject({
      code: (theirs as { code: string }).code,
    });
    expect((theirs as { code: string }).code).toBe('22021');
  });

  it('runs one statement per text: a second one after a ; is refused, never run', async () => {
    await expect(runStatement(pglite, "SELECT 1; DELETE FROM typed WHERE name = 'full'", [])).rejects.toMatchObject({
      code: '42601',
    });
    expect((await runStatement(pglite, "SELECT count(*) AS n FROM typed WHERE name = 'full'", [])).rows).toEqual([
      { n: 1 },
    ]);
  });

  it('reads parameters by their types again after DDL changes them', async () => {
    await runStatement(pglite, 'CREATE TABLE retyped (v integer)', []);
    const insert = 'INSERT INTO retyped (v) VALUES ($1) RETURNING v';
    expect((await runStatement(pglite, insert, [5])).rows).toEqual([{ v: 5 }]);
    await runStatement(pglite, 'ALTER TABLE retyped ALTER COLUMN v TYPE jsonb USING to_jsonb(v)', []);
    // As an integer parameter the array would be '1,2' and refused; as jsonb it is serialized as JSON.
    expect((await runStatement(pglite, insert, [[1, 2]])).rows).toEqual([{ v: [1, 2] }]);
  });

  it('keeps parameter types per database: the same text may mean other types in another', async () => {
    await runStatement(pglite, 'CREATE TABLE per_db (v integer)', []);
    await runStatement(reference, 'CREATE TABLE per_db (v jsonb)', []);
    const insert = 'INSERT INTO per_db (v) VALUES ($1) RETURNING v';
    expect((await runStatement(pglite, insert, [5])).rows).toEqual([{ v: 5 }]);
    expect((await runStatement(reference, insert, [{ a: 1 }])).rows).toEqual([{ v: { a: 1 } }]);
  });

  it('inside a transaction: a failed statement aborts it, and COMMIT then rolls back', async () => {
    const err = await pglite
      .transaction(async () => {
        await runStatement(pglite, 'INSERT INTO typed (name) VALUES ($1)', ['in-tx']);
        await runStatement(pglite, 'INSERT INTO typed (name) VALUES ($1)', ['full']).catch(() => {});
        await expect(runStatement(pglite, 'SELECT 1 AS one', [])).rejects.toMatchObject({ code: '25P02' });
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '25P02' });
    expect((await runStatement(pglite, 'SELECT count(*) AS n FROM typed WHERE name = $1', ['in-tx'])).rows).toEqual([
      { n: 0 },
    ]);
  });
});

describe('the database thread (every statement through runStatement)', () => {
  it.each(SELECTS)('%s answers as query() on a PGlite of this thread does', async (text, params) => {
    const ours = await thread.query(text, params);
    const theirs = await reference.query(text, params, { rowMode: 'object' });
    // Rows cross to this thread by structured clone: Dates, bytes and nested JSON survive it.
    expect(ours.rows).toEqual(theirs.rows);
    expect(ours.affectedRows).toBe(theirs.affectedRows);
  });

  it('keeps an error’s SQLSTATE, detail and constraint across the threads', async () => {
    await expect(thread.query('INSERT INTO typed (name) VALUES ($1)', ['full'])).rejects.toMatchObject({
      code: '23505',
      constraint: 'typed_name_key',
      detail: expect.stringContaining('(name)=(full)'),
    });
    await expect(thread.query('SELECT $1::text AS s', ['a\0b'])).rejects.toMatchObject({ code: '22021' });
  });

  it('rolls a transaction back when a statement in it fails, and commits one that does not', async () => {
    await expect(
      thread.transaction(async (tx) => {
        await tx.query('INSERT INTO typed (name) VALUES ($1)', ['t1']);
        await tx.query('INSERT INTO typed (name) VALUES ($1)', ['full']);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    await thread.transaction(async (tx) => {
      await tx.query('INSERT INTO typed (name) VALUES ($1)', ['t2']);
    });
    const { rows } = await thread.query("SELECT name FROM typed WHERE name LIKE 't_' ORDER BY name");
    expect(rows).toEqual([{ name: 't2' }]);
  });
});
