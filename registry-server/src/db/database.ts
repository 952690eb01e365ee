import { mkdirSync } from 'node:fs';
import { migrations } from '@cws/migrations';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { type DatabaseConnection, type Driver, Kysely, PGliteDialect, type TransactionSettings } from 'kysely';
import { Migrator } from 'kysely/migration';
import { PostgresJSDialect } from 'kysely-postgres-js';
import postgres from 'postgres';
import type { DatabaseConfig } from '../config/config.js';
import type { Metrics } from '../metrics.js';
import type { DB } from './schema.js';

export type Db = Kysely<DB>;

export interface Database {
  kind: DatabaseConfig['kind'];
  db: Db;
  transaction<T>(fn: (trx: Db) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  migrate(): Promise<string[]>;
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

// int8 (counts, bigserial ids) as JS numbers on both drivers: ids and counters stay far below 2^53.
const INT8 = { to: 20, from: [20], serialize: (v: number) => String(v), parse: (v: string) => Number(v) };

/** An embedded Postgres with what the registry needs (pg_trgm; int8 as numbers). null: in memory. */
export function openPglite(dataDir: string | null): Promise<PGlite> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  return PGlite.create(dataDir ?? 'memory://', {
    extensions: { pg_trgm },
    parsers: { 20: (v: string) => Number(v) },
  });
}

/**
 * Opens the configured database. `pglite` hands in an open embedded instance instead
 * (tests clone a migrated one, which is several times faster than creating one).
 */
export async function createDatabase(config: DatabaseConfig, opts: { pglite?: PGlite } = {}): Promise<Database> {
  const observer: { metrics: Metrics | null } = { metrics: null };
  let dialect: PGliteDialect | PostgresJSDialect;
  let pool = 1;
  if (config.kind === 'pglite') {
    const pglite = opts.pglite ?? (await openPglite(config.dataDir));
    dialect = new SerializedPGliteDialect({ pglite }, observer);
  } else {
    pool = config.poolMax;
    const sql = postgres(config.url, {
      max: config.poolMax,
      connect_timeout: 5,
      idle_timeout: 60,
      onnotice: () => {},
      types: { int8: INT8 },
    });
    dialect = new PostgresJSDialect({ postgres: sql });
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
  return {
    kind: config.kind,
    db,
    transaction: (fn) => db.transaction().execute(fn),
    async ping() {
      await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
    },
    async migrate() {
      // Work on several capabilities lands in parallel, so a migration may be named earlier than
      // one a database already ran; apply it rather than refuse to start.
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => migrations },
        allowUnorderedMigrations: true,
      });
      const { error, results } = await migrator.migrateToLatest();
      if (error) throw error instanceof Error ? error : new Error(String(error));
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    },
    attachMetrics(metrics) {
      observer.metrics = metrics;
      metrics.dbPoolSize.set(pool);
    },
    close: () => db.destroy(),
  };
}
