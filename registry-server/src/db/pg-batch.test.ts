import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../../../test/helpers/env.js';
import { freshDatabase } from '../../../test/helpers/registry.js';
import { PgBatcher } from './pg-batch.js';
import { createPgPool } from './pg-pool.js';
import { preparedStatement } from './prepared.js';

// The batcher sends the EXECUTEs asked for in one turn of the event loop as one message, on a
// real PostgreSQL server, and each caller gets its own rows or its own error.
if (!TEST_DATABASE_URL) {
  console.log(
    'skipping the statement batcher tests on the embedded pass: they need a PostgreSQL server (DATABASE_URL); the PostgreSQL pass of .ci/run runs them',
  );
}
describe.skipIf(!TEST_DATABASE_URL)('PgBatcher (PostgreSQL)', () => {
  let fresh: Awaited<ReturnType<typeof freshDatabase>>;
  let pool: pg.Pool;
  let batcher: PgBatcher;
  /** The text of every message the batcher's connections were sent, and the statements observed. */
  const messages: string[] = [];
  const observed: boolean[] = [];
  const backends: number[] = [];
  const TWICE = preparedStatement('SELECT $1::int * 2 AS n');
  const SHOUT = preparedStatement('SELECT upper($1::text) AS s');
  const DIVIDE = preparedStatement('SELECT 10 / $1::int AS q');
  const SLEEP = preparedStatement('SELECT pg_sleep($1::float8) AS slept');

  beforeAll(async () => {
    fresh = await freshDatabase({ migrated: false });
    if (fresh.config.kind !== 'postgres') throw new Error('needs PostgreSQL');
    pool = createPgPool({ url: fresh.config.url, max: 2, statementTimeoutMs: 0, connectTimeoutMs: 5000 });
    // Every message a pooled connection is sent, as it goes to the server.
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        if (typeof args[0] === 'string') messages.push(args[0]);
        return query(...args);
      };
      void (query('SELECT pg_backend_pid() AS pid') as Promise<pg.QueryResult>).then((r) =>
        backends.push(r.rows[0].pid),
      );
    });
    batcher = new PgBatcher(pool, (_ms, failed) => observed.push(failed));
  });
  afterAll(async () => {
    await pool?.end();
    await fresh?.drop();
  });

  it('sends the statements asked for together in one message, preparing each once per connection', async () => {
    messages.length = 0;
    const answers = await Promise.all([
      batcher.execute(TWICE, `EXECUTE ${TWICE.name}(1)`),
      batcher.execute(SHOUT, `EXECUTE ${SHOUT.name}(E'a')`),
      batcher.execute(TWICE, `EXECUTE ${TWICE.name}(2)`),
      batcher.execute(SHOUT, `EXECUTE ${SHOUT.name}(E'b')`),
    ]);
    expect(answers).toEqual([[{ n: 2 }], [{ s: 'A' }], [{ n: 4 }], [{ s: 'B' }]]);
    const batches = messages.filter((m) => m.includes('EXECUTE'));
    expect(batches).toHaveLength(1);
    expect(batches[0]!.match(/PREPARE /g)).toHaveLength(2);
    expect(batches[0]!.match(/EXECUTE /g)).toHaveLength(4);
    // Again on the same connection: no PREPARE any more.
    messages.length = 0;
    const again = await Promise.all([
      batcher.execute(TWICE, `EXECUTE ${TWICE.name}(5)`),
      batcher.execute(SHOUT, `EXECUTE ${SHOUT.name}(E'c')`),
    ]);
    expect(again).toEqual([[{ n: 10 }], [{ s: 'C' }]]);
    const second = messages.filter((m) => m.includes('EXECUTE'));
    expect(second).toHaveLength(1);
    expect(second[0]).not.toContain('PREPARE');
    expect(observed.slice(-2)).toEqual([false, false]);
  });

  it('fails only the statement that failed; the others of its batch get their rows', async () => {
    observed.length = 0;
    const settled = await Promise.allSettled([
      batcher.execute(DIVIDE, `EXECUTE ${DIVIDE.name}(5)`),
      batcher.execute(DIVIDE, `EXECUTE ${DIVIDE.name}(0)`),
      batcher.execute(TWICE, `EXECUTE ${TWICE.name}(21)`),
    ]);
    expect(settled[0]).toEqual({ status: 'fulfilled', value: [{ q: 2 }] });
    expect(settled[1]).toMatchObject({ status: 'rejected', reason: { code: '22012' } });
    expect(settled[2]).toEqual({ status: 'fulfilled', value: [{ n: 42 }] });
    // One failure counted, for the statement that failed (not one per statement of its message):
    // the three are sent again alone, and two of them answered.
    expect(observed.filter((failed) => failed)).toHaveLength(1);
    expect(observed.filter((failed) => !failed)).toHaveLength(2);
  });

  it('runs its statements with generic plans, and leaves the session as it found it, failed or not', async () => {
    const MODE = preparedStatement("SELECT current_setting('plan_cache_mode') AS m, $1::int AS k");
    // Alone and together, from the session's first run of the statement (PostgreSQL would make
    // custom plans for the first five).
    expect(await batcher.execute(MODE, `EXECUTE ${MODE.name}(1)`)).toEqual([{ m: 'force_generic_plan', k: 1 }]);
    const settled = await Promise.allSettled([
      batcher.execute(MODE, `EXECUTE ${MODE.name}(2)`),
      batcher.execute(DIVIDE, `EXECUTE ${DIVIDE.name}(0)`),
      batcher.execute(MODE, `EXECUTE ${MODE.name}(3)`),
    ]);
    expect(settled[0]).toEqual({ status: 'fulfilled', value: [{ m: 'force_generic_plan', k: 2 }] });
    expect(settled[1]).toMatchObject({ status: 'rejected', reason: { code: '22012' } });
    expect(settled[2]).toEqual({ status: 'fulfilled', value: [{ m: 'force_generic_plan', k: 3 }] });
    // The pool's sessions, for queries not sent by the batcher: the default again.
    const clients = await Promise.all([pool.connect(), pool.connect()]);
    try {
      for (const c of clients) {
        expect((await c.query("SELECT current_setting('plan_cache_mode') AS m")).rows).toEqual([{ m: 'auto' }]);
      }
    } finally {
      for (const c of clients) c.release();
    }
  });

  it('prepares again on a session that lost its statements (26000)', async () => {
    await batcher.execute(TWICE, `EXECUTE ${TWICE.name}(1)`);
    // Both pooled sessions forget everything they prepared.
    const clients = await Promise.all([pool.connect(), pool.connect()]);
    for (const c of clients) {
      await c.query('DEALLOCATE ALL');
      c.release();
    }
    observed.length = 0;
    expect(await batcher.execute(TWICE, `EXECUTE ${TWICE.name}(4)`)).toEqual([{ n: 8 }]);
    // The try that found the statement gone is not a failure: it was sent again, and answered.
    expect(observed).toEqual([false]);
    const both = await Promise.all([
      batcher.execute(TWICE, `EXECUTE ${TWICE.name}(6)`),
      batcher.execute(SHOUT, `EXECUTE ${SHOUT.name}(E'z')`),
    ]);
    expect(both).toEqual([[{ n: 12 }], [{ s: 'Z' }]]);
  });

  it('takes a statement its sessions prepared outside it (executePrepared on a transaction), alone or together', async () => {
    const PLUS = preparedStatement('SELECT $1::int + 100 AS m');
    const clients = await Promise.all([pool.connect(), pool.connect()]);
    for (const c of clients) {
      await c.query(`PREPARE ${PLUS.name} AS ${PLUS.sql}`);
      c.release();
    }
    expect(await batcher.execute(PLUS, `EXECUTE ${PLUS.name}(1)`)).toEqual([{ m: 101 }]);
    const both = await Promise.all([
      batcher.execute(PLUS, `EXECUTE ${PLUS.name}(2)`),
      batcher.execute(PLUS, `EXECUTE ${PLUS.name}(3)`),
    ]);
    expect(both).toEqual([[{ m: 102 }], [{ m: 103 }]]);
  });

  it('fails a whole batch whose connection is killed, and goes on with a new connection', async () => {
    const admin = createPgPool({
      url: fresh.config.kind === 'postgres' ? fresh.config.url : '',
      max: 1,
      statementTimeoutMs: 0,
      connectTimeoutMs: 5000,
    });
    try {
      observed.length = 0;
      const running = Promise.allSettled([
        batcher.execute(SLEEP, `EXECUTE ${SLEEP.name}(5)`),
        batcher.execute(TWICE, `EXECUTE ${TWICE.name}(3)`),
      ]);
      // Wait until the batch is running, then end its backend.
      let pid: number | undefined;
      for (let i = 0; i < 100 && pid === undefined; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const { rows } = await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE query LIKE '%EXECUTE ${SLEEP.name}%' AND pid <> pg_backend_pid()`,
        );
        pid = rows[0]?.pid;
      }
      expect(pid).toBeTypeOf('number');
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      const settled = await running;
      expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
      // The connection's failure is every statement's of its message.
      expect(observed).toEqual([true, true]);
      // The dead connection left the pool: the next statements run on a new session.
      expect(await batcher.execute(TWICE, `EXECUTE ${TWICE.name}(7)`)).toEqual([{ n: 14 }]);
      expect(backends.length).toBeGreaterThanOrEqual(2);
    } finally {
      await admin.end();
    }
  });
});
