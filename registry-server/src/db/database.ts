import { migrationNameOrder, migrations } from '@cws/migrations';
import type { PGlite } from '@electric-sql/pglite';
import {
  type DatabaseConnection,
  type Driver,
  Kysely,
  Migrator,
  PostgresDialect,
  sql,
  type TransactionSettings,
} from 'kysely';
import type { DatabaseConfig } from '../config/config.js';
import type { Metrics } from '../metrics.js';
import { DataFolderLock } from './data-lock.js';
import { PGliteDialect, type PGliteLike } from './pglite-dialect.js';
import type { EmbeddedStart } from './pglite-early.js';
import { runStatement } from './pglite-statement.js';
import { PGliteThread } from './pglite-thread.js';
import type { DB } from './schema.js';
import { batchStatements } from './statement-batcher.js';

export type Db = Kysely<DB>;

export interface Database {
  kind: DatabaseConfig['kind'];
  db: Db;
  transaction<T>(fn: (trx: Db) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  migrate(): Promise<string[]>;
  /** The embedded folder's lock held by this process (null: a server, memory, or a handed-in PGlite). */
  dataLock: DataFolderLock | null;
  /** Reports query timings, errors and pool use to these metrics from now on. */
  attachMetrics(metrics: Metrics): void;
  close(): Promise<void>;
}

/**
 * PGlite is one connection. Kysely's PGlite driver hands that connection to every caller
 * at once, so a query issued while another request's transaction is open would run inside
 * it. This wrapper makes callers take turns: a connection is held from acquire to release.
 */
class SerializedDriver implements Driver {
  #tail: Promise<void> = Promise.resolve();
  #release: Array<() => void> = [];
  constructor(
    private readonly inner: Driver,
    private readonly observer: { metrics: Metrics | null },
  ) {}
  init() {
    return this.inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    this.#release.push(release);
    this.observer.metrics?.dbInFlight.inc();
    return this.inner.acquireConnection();
  }
  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await this.inner.releaseConnection(connection);
    this.observer.metrics?.dbInFlight.dec();
    this.#release.shift()?.();
  }
  beginTransaction(c: DatabaseConnection, s: TransactionSettings) {
    return this.inner.beginTransaction(c, s);
  }
  commitTransaction(c: DatabaseConnection) {
    return this.inner.commitTransaction(c);
  }
  rollbackTransaction(c: DatabaseConnection) {
    return this.inner.rollbackTransaction(c);
  }
  savepoint: Driver['savepoint'] = (c, n, q) => this.inner.savepoint!(c, n, q);
  rollbackToSavepoint: Driver['rollbackToSavepoint'] = (c, n, q) => this.inner.rollbackToSavepoint!(c, n, q);
  releaseSavepoint: Driver['releaseSavepoint'] = (c, n, q) => this.inner.releaseSavepoint!(c, n, q);
  destroy() {
    return this.inner.destroy();
  }
}

class SerializedPGliteDialect extends PGliteDialect {
  constructor(
    config: ConstructorParameters<typeof PGliteDialect>[0],
    private readonly observer: { metrics: Metrics | null },
  ) {
    super(config);
  }
  override createDriver(): Driver {
    return new SerializedDriver(super.createDriver(), this.observer);
  }
}

export { openPglite } from './pglite-open.js';

/**
 * Opens the configured database. The embedded one runs in a worker thread of its own
 * (db/pglite-thread.ts), so a slow query never holds up the HTTP thread. `pglite` hands in an
 * open embedded instance instead, used in this thread (tests clone a migrated one, which is
 * several times faster than creating one).
 */
export async function createDatabase(
  config: DatabaseConfig,
  opts: { pglite?: PGlite; embedded?: EmbeddedStart; onError?: (err: Error) => void } = {},
): Promise<Database> {
  const observer: { metrics: Metrics | null } = { metrics: null };
  let dialect: PGliteDialect | PostgresDialect;
  let pool = 1;
  let dataLock: DataFolderLock | null = null;
  let pgPool: import('pg').Pool | null = null;
  if (config.kind === 'pglite') {
    // Started before the server's modules loaded (main.ts): the same folder, already locked.
    const embedded = !opts.pglite && opts.embedded?.dataDir === config.dataDir ? opts.embedded : undefined;
    // Two processes on one PGlite folder silently lose writes: lock the folder before opening it.
    if (embedded) dataLock = embedded.lock;
    else if (!opts.pglite && config.dataDir) {
      const lock = DataFolderLock.acquire(config.dataDir);
      dataLock = lock;
      process.once('exit', () => lock.release());
    }
    let pglite: PGliteLike;
    try {
      pglite = opts.pglite
        ? inThread(opts.pglite)
        : await (embedded ? embedded.thread.opened() : PGliteThread.open(config.dataDir));
    } catch (err) {
      dataLock?.release();
      throw err;
    }
    dialect = new SerializedPGliteDialect({ pglite }, observer);
  } else {
    pool = config.poolMax;
    // node-postgres is loaded only for a server (~0.1-0.2 s of start-up an embedded registry skips).
    const { createPgPool } = await import('./pg-pool.js');
    // node-postgres, not postgres.js: postgres.js 3.4 throws from a timer when a socket closes
    // under load, which no caller can catch, and the process dies (see README, "Faults").
    pgPool = createPgPool({
      url: config.url,
      max: config.poolMax,
      statementTimeoutMs: config.statementTimeoutMs ?? 0,
      connectTimeoutMs: config.connectTimeoutMs ?? 5000,
      onIdleError: opts.onError,
    });
    dialect = new PostgresDialect({ pool: pgPool });
  }
  const db = new Kysely<DB>({
    dialect,
    log: (event) => {
      const metrics = observer.metrics;
      if (!metrics) return;
      metrics.dbQueryDuration.observe(event.queryDurationMillis / 1000);
      if (event.level === 'error') metrics.dbErrors.inc();
    },
  });
  if (pgPool) {
    const { PgBatcher } = await import('./pg-batch.js');
    batchStatements(
      db,
      new PgBatcher(pgPool, (ms, failed) => {
        const metrics = observer.metrics;
        if (!metrics) return;
        metrics.dbQueryDuration.observe(ms / 1000);
        if (failed) metrics.dbErrors.inc();
      }),
    );
  }
  /** Migrations may build indexes for longer than a request may wait: they run without the statement timeout. */
  const migrationDb = async <T>(fn: (db: Kysely<DB>) => Promise<T>): Promise<T> => {
    if (config.kind !== 'postgres' || !config.statementTimeoutMs) return fn(db);
    const { createPgPool } = await import('./pg-pool.js');
    const own = new Kysely<DB>({
      dialect: new PostgresDialect({
        pool: createPgPool({ url: config.url, max: 1, statementTimeoutMs: 0, connectTimeoutMs: 10_000 }),
      }),
    });
    try {
      return await fn(own);
    } finally {
      await own.destroy();
    }
  };
  return {
    kind: config.kind,
    db,
    dataLock,
    transaction: (fn) => db.transaction().execute(fn),
    async ping() {
      await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
    },
    async migrate() {
      // Most starts find nothing to do: one query says so. (Kysely's migrator first introspects
      // every table of the schema to find its own two, 0.5-1.4 s on the 100k PGlite catalogue.)
      if (await upToDate(db)) return [];
      // Work on several capabilities lands in parallel, so a migration may be named earlier than
      // one a database already ran; apply it rather than refuse to start.
      const { error, results } = await migrationDb((mdb) =>
        new Migrator({
          db: mdb,
          provider: { getMigrations: async () => migrations },
          allowUnorderedMigrations: true,
          nameComparator: migrationNameOrder,
        }).migrateToLatest(),
      );
      if (error) throw error instanceof Error ? error : new Error(String(error));
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    },
    attachMetrics(metrics) {
      observer.metrics = metrics;
      metrics.dbPoolSize.set(pool);
    },
    async close() {
      await db.destroy();
      dataLock?.release();
    },
  };
}

/** A PGlite of this thread, its statements run as the database thread runs them (db/pglite-statement.ts). */
function inThread(pglite: PGlite): PGliteLike {
  const query = <R>(text: string, params: unknown[] = []) => runStatement<R>(pglite, text, params);
  return {
    get closed() {
      return pglite.closed;
    },
    waitReady: pglite.waitReady,
    query,
    transaction: (fn) => pglite.transaction(() => fn({ query })),
    close: () => pglite.close(),
  };
}

/**
 * True when the database has run exactly the migrations this code knows (none missing, none
 * unknown), so there is nothing to migrate; anything else goes through Kysely's migrator, which
 * takes its lock, applies what is missing and refuses a database that ran a migration this code
 * lacks. A database that never ran one has no migration table yet: false.
 */
async function upToDate(db: Kysely<DB>): Promise<boolean> {
  let names: string[];
  try {
    const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db);
    names = rows.map((r) => r.name);
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return false; // undefined_table: a new database
    throw err;
  }
  const known = Object.keys(migrations);
  const ran = new Set(names);
  return ran.size === known.length && known.every((name) => ran.has(name));
}
