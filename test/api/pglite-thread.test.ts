import { buildConfig, createServer, openPglite, type RegistryServer } from '@cws/registry-server';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The embedded database runs in a worker thread: a slow query occupies that thread, and the
// HTTP thread keeps answering. Always on embedded PGlite (whatever DATABASE_URL says): that is
// the database this is about. The slow query is pg_sleep, which in PGlite holds the thread it
// runs on for exactly its time, loaded machine or not.

const SLOW_SECONDS = 2;

let server: RegistryServer;
let url: string;
beforeAll(async () => {
  const config = buildConfig(
    {},
    {
      http: { host: '127.0.0.1', port: 0, publicUrl: null, bodyLimit: '256kb', trustProxy: false },
      db: { kind: 'pglite', dataDir: null },
      redis: null,
      logLevel: 'silent',
      rateLimit: { readPerMinute: 0, writePerMinute: 0 },
      aws: { ...buildConfig({}).aws, verify: false },
    },
  );
  // No database handed in: the server opens its own, as `cws-registry serve` does.
  server = await createServer(config);
  url = await server.listen();
}, 240_000);
afterAll(() => server?.close());

async function healthz(): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${url}/healthz`);
  expect(res.status).toBe(200);
  await res.json();
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('embedded PGlite off the HTTP event loop', () => {
  it('the same slow query blocks the thread it runs on (so the check below can fail)', async () => {
    const inThread = await openPglite(null);
    try {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 10);
      await inThread.query(`SELECT pg_sleep(${SLOW_SECONDS})`);
      clearInterval(timer);
      expect(ticks).toBe(0);
    } finally {
      await inThread.close();
    }
  }, 120_000);

  it('answers /healthz in < 50 ms while a slow query runs', async () => {
    // The machine's own pace first: healthz with the database idle.
    const idle: number[] = [];
    for (let n = 0; n < 10; n++) idle.push(await healthz());

    let running = true;
    const t0 = performance.now();
    const slow = sql`SELECT pg_sleep(${SLOW_SECONDS})`.execute(server.ctx.database.db).finally(() => {
      running = false;
    });
    const during: number[] = [];
    // Give the query a moment to reach the database thread, then ask while it holds it.
    await new Promise((r) => setTimeout(r, 100));
    while (running) {
      during.push(await healthz());
      await new Promise((r) => setTimeout(r, 20));
    }
    await slow;
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(SLOW_SECONDS * 1000 * 0.9);
    // Answered throughout: a blocked loop would answer once at most, after the query.
    expect(during.length).toBeGreaterThanOrEqual(10);
    // As fast as with the database idle: < 50 ms, or (on a saturated machine) no slower than
    // three times the idle pace measured just before.
    expect(median(during)).toBeLessThan(Math.max(50, 3 * median(idle)));
  }, 120_000);

  it('keeps transactions, errors and types across the thread', async () => {
    const db = server.ctx.database;
    await expect(
      db.transaction(async (trx) => {
        await trx.insertInto('users').values({ handle: 'thread-rolled-back', role: 'user' }).execute();
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    await db.transaction((trx) => trx.insertInto('users').values({ handle: 'thread-kept', role: 'user' }).execute());
    const handles = await db.db
      .selectFrom('users')
      .select(['handle', 'created_at'])
      .where('handle', 'like', 'thread-%')
      .execute();
    expect(handles.map((h) => h.handle)).toEqual(['thread-kept']);
    expect(handles[0]!.created_at).toBeInstanceOf(Date);
    // A unique violation keeps its SQLSTATE (the API maps it to 409).
    await expect(
      db.db.insertInto('users').values({ handle: 'thread-kept', role: 'user' }).execute(),
    ).rejects.toMatchObject({
      code: '23505',
    });
  }, 60_000);
});
