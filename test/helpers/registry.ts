import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  buildConfig,
  type Config,
  type ContextOverrides,
  createDatabase,
  createServer,
  type Database,
  DEMO_INDEX_URL,
  openPglite,
  parseIndex,
  type RegistryServer,
} from '@cws/registry-server';
import postgres from 'postgres';
import { inject } from 'vitest';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './env.js';

export interface TestRegistry {
  url: string;
  adminToken: string;
  server: RegistryServer;
  /** The database, to share with a second instance (`shareDatabaseWith`). */
  database: Database;
  redisPrefix: string | null;
  close(): Promise<void>;
}

export interface StartOptions {
  adminToken?: string;
  /**
   * Load the demo catalogue (default false: tests start from an empty registry). 'listings': only its listings
   * (demo-index.yaml), without the ratings, downloads, verification and scans of demo-activity.yaml.
   */
  demo?: boolean | 'listings';
  /** Settings on top of the test defaults (rate limits off, quiet logs). */
  config?: Partial<Config>;
  /** Run a second instance on the same database (and Redis prefix) as this one. */
  shareDatabaseWith?: TestRegistry;
  /** Redis URL for this instance; defaults to REDIS_URL, if set. null: no Redis. */
  redisUrl?: string | null;
  /** A logger of the test's own (to read what the registry logged). */
  logger?: ContextOverrides['logger'];
}

type Pglite = Awaited<ReturnType<typeof openPglite>>;
let template: Promise<Pglite> | null = null;

/**
 * A migrated embedded database per test process; every test registry gets a clone of it. It loads the run's
 * migrated dump (test/global-setup.ts): no initdb and no migrations here.
 */
function migratedTemplate(): Promise<Pglite> {
  template ??= (async () => {
    const dump = inject('pgliteTemplate');
    if (dump) return openPglite(null, { loadDataDir: new Blob([readFileSync(dump)]) });
    const pglite = await openPglite(null);
    const db = await createDatabase({ kind: 'pglite', dataDir: null }, { pglite });
    await db.migrate();
    return pglite;
  })();
  return template;
}

/**
 * A database of its own for one test registry: an in-memory PGlite, or, when DATABASE_URL
 * is set, a new database on that server (dropped on close), so test files never see each
 * other's rows. `migrated`: a copy of the run's migrated template (test/global-setup.ts) instead of an
 * empty database (a server only: an embedded one is cloned from the template by startRegistry).
 */
export async function freshDatabase(
  opts: { migrated?: boolean } = {},
): Promise<{ config: Config['db']; drop(): Promise<void> }> {
  if (!TEST_DATABASE_URL) return { config: { kind: 'pglite', dataDir: null }, drop: async () => {} };
  const name = `cws_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const template = opts.migrated ? inject('postgresTemplate') : null;
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.unsafe(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
        break;
      } catch (err) {
        // 55006: another CREATE DATABASE is copying the same template this instant; it takes well under a second.
        if ((err as { code?: string }).code !== '55006' || attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    config: { kind: 'postgres', url: url.toString(), poolMax: 5 },
    async drop() {
      const sql = postgres(TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
      await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await sql.end();
    },
  };
}

/**
 * A migrated database of its own for a test that talks to the database layer directly (the unit tests of
 * registry-server/src/db): a clone of the run's migrated template, embedded, or a copy of the template database on
 * the server (dropped on close). No initdb, no migrations. `poolMax`: the server pool's size (default 3).
 */
export async function migratedDatabase(
  opts: { poolMax?: number } = {},
): Promise<{ database: Database; close(): Promise<void> }> {
  const fresh = await freshDatabase({ migrated: true });
  const database =
    fresh.config.kind === 'pglite'
      ? await createDatabase(fresh.config, { pglite: (await (await migratedTemplate()).clone()) as Pglite })
      : await createDatabase({ ...fresh.config, poolMax: opts.poolMax ?? 3 });
  return {
    database,
    async close() {
      await database.close();
      await fresh.drop();
    },
  };
}

/** Starts an in-process cws-registry on a random loopback port. */
export async function startRegistry(opts: StartOptions = {}): Promise<TestRegistry> {
  const shared = opts.shareDatabaseWith;
  // Replicas share the admin token, as they share the environment in a deployment.
  const adminToken = opts.adminToken ?? shared?.adminToken ?? `admin-${randomBytes(16).toString('hex')}`;
  const fresh = shared ? null : await freshDatabase({ migrated: true });
  const redisUrl = opts.redisUrl === undefined ? TEST_REDIS_URL : opts.redisUrl;
  const redisPrefix = shared?.redisPrefix ?? (redisUrl ? `cws-test:${randomBytes(4).toString('hex')}:` : null);
  // PGlite lives in this process: a second instance must use the same object. A server: same URL.
  const database = shared
    ? shared.database
    : fresh!.config.kind === 'pglite'
      ? await createDatabase(fresh!.config, { pglite: (await (await migratedTemplate()).clone()) as Pglite })
      : await createDatabase(fresh!.config);
  const config = buildConfig(
    {},
    {
      http: { host: '127.0.0.1', port: 0, publicUrl: null, bodyLimit: '256kb', trustProxy: false },
      db: fresh?.config ?? { kind: 'pglite', dataDir: null },
      redis: redisUrl && redisPrefix ? { url: redisUrl, prefix: redisPrefix } : null,
      adminToken,
      demo: opts.demo === true,
      logLevel: process.env.CWS_TEST_LOG_LEVEL ?? 'silent',
      rateLimit: { readPerMinute: 0, writePerMinute: 0 },
      // Never the machine's AWS credentials: aws-*.test.ts point the registry at the emulator.
      aws: { ...buildConfig({}).aws, verify: false },
      ...opts.config,
    },
  );
  // Every answer is checked against its endpoint's contract: a mismatch is a 500 that names it.
  const server = await createServer(config, {
    database,
    checkResponses: true,
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  if (opts.demo === 'listings') {
    await server.ctx.services.import.import(parseIndex(readFileSync(DEMO_INDEX_URL, 'utf8'), 'demo index'), null);
  }
  const url = await server.listen();
  return {
    url,
    adminToken,
    server,
    database,
    redisPrefix,
    async close() {
      await server.close();
      if (!shared) {
        await database.close();
        await fresh?.drop();
      }
    },
  };
}
