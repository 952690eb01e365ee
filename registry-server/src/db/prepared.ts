import { createHash } from 'node:crypto';
import { CompiledQuery } from 'kysely';
import type { Db } from './database.js';
import { batcherOf, type PreparedStatement } from './statement-batcher.js';

export type { PreparedStatement } from './statement-batcher.js';

/**
 * Runs a compiled query as a server-side prepared statement (SQL `PREPARE` / `EXECUTE`), so the
 * database plans it once per session instead of on every call: for a hot statement of many joins
 * the planning costs more than running it (the resolve fast path: most of its CPU on embedded
 * PGlite). The statement is named after its SQL text, so every shape of a query gets its own; the
 * first `EXECUTE` on a session that has not prepared it fails with 26000 and prepares it there
 * (a pool's connections each prepare it once; a replaced connection prepares it again).
 *
 * `EXECUTE` takes no protocol parameters, so the values travel as SQL literals: only numbers,
 * strings, booleans, null and arrays of strings (`text[]`), quoted here. Not for statements inside a transaction (a failed
 * `EXECUTE` would abort it).
 */
export async function executePrepared<R>(
  db: Db,
  statement: PreparedStatement,
  parameters: readonly unknown[],
): Promise<R[]> {
  const { name } = statement;
  const args = parameters.map(literal);
  const text = args.length > 0 ? `EXECUTE ${name}(${args.join(', ')})` : `EXECUTE ${name}`;
  // A PostgreSQL server: statements asked for together go together (db/pg-batch.ts).
  const batcher = batcherOf(db);
  if (batcher) return batcher.execute<R>(statement, text);
  const execute = CompiledQuery.raw(text);
  // Straight to the connection the executor provides (as Kysely's own execution ends, its query
  // log and so the metrics included), not through a Kysely bound to that connection and a raw
  // builder compiled per call: that way costs ~20 us more per statement for the same text. The
  // server's Kysely has no plugins, so there is no query or result transform to skip.
  return db.getExecutor().provideConnection(async (conn) => {
    try {
      return (await conn.executeQuery<R>(execute)).rows as R[];
    } catch (err) {
      if ((err as { code?: string }).code !== '26000') throw err;
      await conn.executeQuery(CompiledQuery.raw(`PREPARE ${name} AS ${statement.sql}`));
      return (await conn.executeQuery<R>(execute)).rows as R[];
    }
  });
}

export function preparedStatement(text: string): PreparedStatement {
  return { name: `cws_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, sql: text };
}

/**
 * A value as a SQL literal. Strings are escape-string constants (`E'...'`, backslashes and quotes
 * doubled), read the same whatever `standard_conforming_strings` says: a plain '...' literal
 * would turn a backslash into an escape where an operator switched that setting off.
 */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (Array.isArray(value)) {
    if (!value.every((v) => typeof v === 'string')) throw new TypeError('only arrays of strings are SQL literals here');
    return value.length === 0 ? `'{}'::text[]` : `ARRAY[${value.map(literal).join(', ')}]::text[]`;
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'string') {
    // SQLSTATE 22021, as the database answers a NUL in a parameter: the caller's input, a 400 (http/error-classifier.ts).
    if (value.includes('\0'))
      throw Object.assign(new TypeError('a string with a NUL byte cannot be a SQL literal'), { code: '22021' });
    return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
  }
  throw new TypeError(`no SQL literal for a ${typeof value}`);
}
