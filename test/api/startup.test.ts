import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildConfig,
  type Config,
  createDatabase,
  createServer,
  type Database,
  DataFolderLockedError,
  migrations,
  startEmbedded,
} from '@cws/registry-server';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabase } from '../helpers/registry.js';

// Start-up work: the migrations check is one query when nothing is missing, and falls back to
// Kysely's migrator (which applies what is missing and refuses what it does not know) otherwise;
// the embedded database can be locked and opening before the rest of the server loads.

const NAMES = Object.keys(migrations);
const LAST = NAMES[NAMES.length - 1]!;

function configFor(db: Config['db']): Config {
  return buildConfig(
    {},
    {
      http: { host: '127.0.0.1', port: 0, publicUrl: null, bodyLimit: '256kb', trustProxy: false },
      db,
      redis: null,
      logLevel: 'silent',
      rateLimit: { readPerMinute: 0, writePerMinute: 0 },
      aws: { ...buildConfig({}).aws, verify: false },
      demo: false,
    },
  );
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function database(): Promise<{ db: Database; config: Config['db'] }> {
  const fresh = await freshDatabase();
  const db = await createDatabase(fresh.config);
  cleanups.push(async () => {
    await db.close();
    await fresh.drop();
  });
  return { db, config: fresh.config };
}

const ran = async (db: Database) =>
  (await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db.db)).rows.map((r) => r.name);

describe('start-up', () => {
  it('migrates a new database, then finds nothing to do', async () => {
    const { db } = await database();
    expect(await db.migrate()).toEqual(expect.arrayContaining(NAMES));
    expect((await ran(db)).sort()).toEqual([...NAMES].sort());
    expect(await db.migrate()).toEqual([]);
  }, 120_000);

  it('applies a migration the database lacks (the one-query check falls through to the migrator)', async () => {
    const { db } = await database();
    await db.migrate();
    // Undo the last migration as its own down() does, and forget it ran.
    await migrations[LAST]!.down!(db.db as never);
    await sql`DELETE FROM kysely_migration WHERE name = ${LAST}`.execute(db.db);
    expect(await db.migrate()).toEqual([LAST]);
    expect(await ran(db)).toContain(LAST);
    expect(await db.migrate()).toEqual([]);
  }, 120_000);

  it('refuses a database that ran a migration this code does not know', async () => {
    const { db, config } = await database();
    await db.migrate();
    await sql`INSERT INTO kysely_migration (name, timestamp) VALUES ('29991231000000_from_the_future', ${new Date().toISOString()})`.execute(
      db.db,
    );
    await expect(db.migrate()).rejects.toThrow(/29991231000000_from_the_future/);
    // The server does not start on it either.
    await expect(createServer(configFor(config), { database: db })).rejects.toThrow(/29991231000000_from_the_future/);
  }, 120_000);

  it('an embedded folder started early is locked at once and opened by the server', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'cws-early-')), 'db');
    const embedded = startEmbedded(dir);
    // Locked before PGlite has even opened: nobody else gets the folder meanwhile.
    expect(() => startEmbedded(dir)).toThrow(DataFolderLockedError);
    const server = await createServer(configFor({ kind: 'pglite', dataDir: dir }), { embedded });
    try {
      expect(server.ctx.database.dataLock).toBe(embedded.lock);
      const url = await server.listen();
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { status: string }).status).toBe('ready');
      expect((await ran(server.ctx.database)).sort()).toEqual([...NAMES].sort());
    } finally {
      await server.close();
    }
    // Closed: the lock is gone and the folder opens again (the migrations check finds nothing to do).
    const again = await createServer(configFor({ kind: 'pglite', dataDir: dir }), { embedded: startEmbedded(dir) });
    try {
      expect(await again.ctx.database.migrate()).toEqual([]);
    } finally {
      await again.close();
    }
  }, 240_000);
});
