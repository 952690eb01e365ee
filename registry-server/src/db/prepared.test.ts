import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from './database.js';
import { executePrepared, preparedStatement } from './prepared.js';

// Values travel to EXECUTE as SQL literals: whatever a string holds comes back as the same
// string, with standard-conforming strings on (the default) and off. Embedded PGlite: one
// session, so the setting applies to the EXECUTE that follows.
let database: Database;
beforeAll(async () => {
  database = await createDatabase({ kind: 'pglite', dataDir: null });
});
afterAll(async () => {
  await database.close();
});

const HOSTILE = ["it's", 'back\\slash', "\\'; SELECT 1; --", "a\\\\'b''c\\", 'データ \u00e9\u0301 \u{1f600}', ''];

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

  it('refuses values it cannot write as literals', async () => {
    const statement = preparedStatement('SELECT $1::text AS v');
    await expect(executePrepared(database.db, statement, ['a\0b'])).rejects.toThrow(/NUL/);
    await expect(executePrepared(database.db, statement, [Number.NaN])).rejects.toThrow(/finite/);
    await expect(executePrepared(database.db, statement, [{}])).rejects.toThrow(/no SQL literal/);
  });
});
