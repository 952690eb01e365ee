import {
  type CompiledQuery,
  createQueryId,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  IdentifierNode,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
  RawNode,
} from 'kysely';

/*
 * A Kysely dialect for PGlite, after the one built into kysely 0.29 (MIT). We stay on kysely 0.28
 * because 0.29 declares Node >= 22 and we support Node 20.19 as well (README, "Node versions").
 * PGlite is one connection: every caller gets the same one, and `database.ts` makes them take turns.
 * Transactions use PGlite's own exclusive `transaction()`, so nothing else interleaves with them.
 */

/** What the dialect uses of PGlite: a PGlite instance, or PGliteThread (db/pglite-thread.ts) in front of one. */
export interface PGliteLike {
  readonly closed: boolean;
  readonly waitReady: Promise<void>;
  query<R>(
    sql: string,
    params?: unknown[],
    options?: { rowMode?: 'object' },
  ): Promise<{ rows: R[]; affectedRows?: number }>;
  transaction<T>(fn: (tx: Pick<PGliteLike, 'query'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

class PGliteAdapter extends PostgresAdapter {
  // The one connection is held by the migrator from lock to unlock: nothing else can run meanwhile.
  override async acquireMigrationLock(): Promise<void> {}
  override async releaseMigrationLock(): Promise<void> {}
}

class PGliteConnection implements DatabaseConnection {
  #tx: Pick<PGliteLike, 'query'> | undefined;
  #commit: (() => void) | undefined;
  #rollback: ((err: Error) => void) | undefined;
  #closed: Promise<unknown> | undefined;

  constructor(private readonly pglite: PGliteLike) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const { affectedRows, rows } = await (this.#tx ?? this.pglite).query<R>(query.sql, [...query.parameters], {
      rowMode: 'object',
    });
    return { numAffectedRows: affectedRows != null ? BigInt(affectedRows) : undefined, rows: rows ?? [] };
  }

  // biome-ignore lint/correctness/useYield: the interface wants a generator; PGlite cannot stream.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming is not supported by PGlite.');
  }

  async begin(): Promise<void> {
    let begun!: () => void;
    const started = new Promise<void>((resolve) => {
      begun = resolve;
    });
    const finished = new Promise<void>((resolve, reject) => {
      this.#commit = resolve;
      this.#rollback = reject;
    });
    this.#closed = this.pglite.transaction(async (tx) => {
      this.#tx = tx;
      begun();
      await finished;
    });
    // A failure to begin would otherwise leave `started` pending forever.
    await Promise.race([started, this.#closed]);
  }

  async commit(): Promise<void> {
    this.#commit?.();
    try {
      await this.#closed;
    } finally {
      this.#reset();
    }
  }

  async rollback(): Promise<void> {
    this.#rollback?.(new Error('rolled back'));
    await this.#closed?.catch(() => {});
    this.#reset();
  }

  #reset() {
    this.#tx = undefined;
    this.#commit = undefined;
    this.#rollback = undefined;
    this.#closed = undefined;
  }
}

class PGliteDriver implements Driver {
  #connection: PGliteConnection | undefined;
  constructor(private readonly pglite: PGliteLike) {}

  async init(): Promise<void> {
    if (this.pglite.closed) throw new Error('PGlite instance is already closed.');
    await this.pglite.waitReady;
    this.#connection = new PGliteConnection(this.pglite);
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    if (!this.#connection) throw new Error('PGlite driver used before init()');
    return this.#connection;
  }
  async releaseConnection(): Promise<void> {}
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PGliteConnection).begin();
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PGliteConnection).commit();
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PGliteConnection).rollback();
  }
  async savepoint(connection: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    await connection.executeQuery(savepointCommand('savepoint', name, compile));
  }
  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    await connection.executeQuery(savepointCommand('rollback to', name, compile));
  }
  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    await connection.executeQuery(savepointCommand('release', name, compile));
  }
  async destroy(): Promise<void> {
    if (!this.pglite.closed) await this.pglite.close();
  }
}

type Compile = QueryCompiler['compileQuery'];

/** `savepoint "name"`, with the name quoted as an identifier (as kysely's own drivers do). */
function savepointCommand(command: string, name: string, compile: Compile): CompiledQuery {
  const node = RawNode.createWithChildren([RawNode.createWithSql(`${command} `), IdentifierNode.create(name)]);
  return compile(node, createQueryId());
}

export class PGliteDialect implements Dialect {
  constructor(private readonly config: { pglite: PGliteLike }) {}
  createAdapter(): DialectAdapter {
    return new PGliteAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.config.pglite);
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
}
