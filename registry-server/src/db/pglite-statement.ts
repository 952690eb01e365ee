import { type PGlite, parse, protocol } from '@electric-sql/pglite';

/*
 * One statement on PGlite in one call into its WebAssembly. PGlite's own `query()` sends the
 * extended protocol's messages one call at a time (parse, describe the statement, bind, describe
 * the portal, execute, sync: six calls, each its own buffers and result parsing), which costs
 * ~0.3 ms more per statement than the statement itself for a `SELECT 1` (bench/README, "Fifth
 * session: PGlite statement cost"). Here the same messages go in one batch: Parse, Bind,
 * Describe, Execute, Sync. It stays the extended protocol, so a text holds one statement only
 * (the simple protocol's `exec()` would run whatever a string smuggled after a `;`), plans as
 * before (the unnamed statement, planned for its values), and the rows, their types and the errors
 * are PGlite's own: its parsers and serializers, its result parsing, its DatabaseError.
 *
 * To serialize a value PGlite needs its parameter's type, which only the database knows (it infers
 * it from the text): the first run of a text with parameters asks for them (Parse, Describe, Sync)
 * and keeps them per text; a statement that can change what a text's parameters are (DDL, SET,
 * DO: any command but reads, writes and transaction control) forgets them all. (A function called by
 * a SELECT that altered a table would not: nothing in the registry or its migrations does that.)
 */

/** Per database (tests open many in one process, each its own schema): a text's parameter types (oids), as it inferred them. */
const typesByDatabase = new WeakMap<PGlite, Map<string, number[]>>();
/** Enough for every statement text the server builds (the texts are fixed shapes, values are parameters). */
const MAX_TEXTS = 2000;
/** Command tags after which the parameter types kept for a text still hold. */
const KEEPS_TYPES = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'PREPARE',
  'SAVEPOINT',
  'RELEASE',
  'SHOW',
]);

export interface StatementResult<R> {
  rows: R[];
  affectedRows?: number;
}

/**
 * Runs one statement (text with $1.. parameters) on an open PGlite and returns its rows as objects,
 * exactly as `pglite.query(text, params, { rowMode: 'object' })` would. Inside a PGlite
 * `transaction()` callback as well as outside one (it takes the query lock, not the transaction's).
 */
export function runStatement<R>(pglite: PGlite, text: string, params: readonly unknown[]): Promise<StatementResult<R>> {
  let parameterTypes = typesByDatabase.get(pglite);
  if (!parameterTypes) {
    parameterTypes = new Map();
    typesByDatabase.set(pglite, parameterTypes);
  }
  const known = parameterTypes;
  return pglite.runExclusive(async () => {
    try {
      let types: number[] = [];
      if (params.length > 0) {
        const kept = known.get(text);
        if (kept) types = kept;
        else {
          const described = await pglite.execProtocolStream(
            concat([protocol.serialize.parse({ text }), protocol.serialize.describe({ type: 'S' }), SYNC]),
            { syncToFs: false },
          );
          types = parse.parseDescribeStatementResults(described);
          if (known.size >= MAX_TEXTS) known.clear();
          known.set(text, types);
        }
      }
      const values = params.map((value, i) => serialize(pglite, value, types[i]));
      const messages = await pglite.execProtocolStream(
        concat([
          protocol.serialize.parse({ text }),
          protocol.serialize.bind({ values }),
          DESCRIBE_PORTAL,
          EXECUTE,
          SYNC,
        ]),
        { syncToFs: false },
      );
      const [result] = parse.parseResults(messages, pglite.parsers, { rowMode: 'object' });
      if (result?.command !== undefined && !KEEPS_TYPES.has(result.command)) known.clear();
      return { rows: (result?.rows ?? []) as R[], affectedRows: result?.affectedRows };
    } catch (err) {
      // As PGlite's query() reports a database error: the statement's text on it.
      if (err instanceof Error && 'code' in err) Object.assign(err, { query: text });
      throw err;
    }
  });
}

/** A value in the text form its parameter's type reads, by PGlite's serializer for that type (as query() does). */
function serialize(pglite: PGlite, value: unknown, oid: number | undefined): string | null {
  if (value === null || value === undefined) return null;
  const serializer = oid === undefined ? undefined : pglite.serializers[oid];
  return serializer ? serializer(value) : String(value);
}

const SYNC = protocol.serialize.sync();
const DESCRIBE_PORTAL = protocol.serialize.describe({ type: 'P' });
const EXECUTE = protocol.serialize.execute({});

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
