import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../../test/helpers/registry.js';
import type { Database } from './database.js';
import { executePrepared, preparedStatement } from './prepared.js';

// Values travel to EXECUTE as SQL literals: whatever a string holds comes back as the same
// string, with standard-conforming strings on (the default) and off, on embedded PGlite and (with
// DATABASE_URL) on PostgreSQL. One session (a pool of one), so the setting applies to the EXECUTE
// that follows.
let database: Database;
let close = async () => {};
beforeAll(async () => {
  ({ database, close } = await migratedDatabase({ poolMax: 1 }));
});
afterAll(() => close());

const HOSTILE = [
  "it's",
  'back\\slash',
  "\\'; SELECT 1; --",
  "a\\\\'b''c\\",
  'データ \u00e9\u0301 \u{1f600}',
  '',
  '{a,b}',
  '"quoted", {braces} \\"',
  'NULL',
  'x'.repeat(5000),
];

describe('executePrepared', () => {
  it.each(['on', 'off'])('returns every string unchanged with standard_conforming_strings %s', async (setting) => {
    await sql.raw(`SET standard_conforming_strings = ${setting}`).execute(database.db);
    try {
      const statement = preparedStatement('SELECT $1::text AS v, $2::int AS n, $3::boolean AS b, $4::text AS z');
      for (const value of HOSTILE) {
        const rows = await executePrepared<{ v: string; n: number; b: boolean; z: string | null }>(
          database.db,
          statement,
          [value, 42, true, null],
        );
        expect(rows).toEqual([{ v: value, n: 42, b: true, z: null }]);
      }
    } finally {
      await sql.raw('SET standard_conforming_strings = on').execute(database.db);
    }
  });

  it.each(['on', 'off'])(
    'passes arrays of strings as text[], element by element, with the setting %s',
    async (setting) => {
      await sql.raw(`SET standard_conforming_strings = ${setting}`).execute(database.db);
      try {
        const statement = preparedStatement(
          'SELECT n::int AS n, v FROM unnest($1::text[]) WITH ORDINALITY AS a(v, n) ORDER BY n',
        );
        const rows = await executePrepared<{ n: number; v: string }>(database.db, statement, [HOSTILE]);
        expect(rows).toEqual(HOSTILE.map((v, k) => ({ n: k + 1, v })));
        expect(await executePrepared(database.db, statement, [[]])).toEqual([]);
        const count = preparedStatement('SELECT cardinality($1::text[])::int AS c');
        expect(await executePrepared(database.db, count, [['a', '']])).toEqual([{ c: 2 }]);
      } finally {
        await sql.raw('SET standard_conforming_strings = on').execute(database.db);
      }
    },
  );

  it('refuses values it cannot write as literals; a NUL is a data exception (22021), as the database answers it', async () => {
    const statement = preparedStatement('SELECT $1::text AS v');
    await expect(executePrepared(database.db, statement, ['a\0b'])).rejects.toMatchObject({
      code: '22021',
      message: expect.stringMatching(/NUL/),
    });
    await expect(executePrepared(database.db, statement, [['ok', 'a\0b']])).rejects.toMatchObject({ code: '22021' });
    await expect(executePrepared(database.db, statement, [Number.NaN])).rejects.toThrow(/finite/);
    await expect(executePrepared(database.db, statement, [{}])).rejects.toThrow(/no SQL literal/);
    await expect(executePrepared(database.db, statement, [[1, 2]])).rejects.toThrow(/arrays of strings/);
  });
});
