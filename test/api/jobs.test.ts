import {
  createDatabase,
  createLogger,
  type Database,
  JobFailure,
  JobQueue,
  JobRetry,
  JobWorker,
  openPglite,
} from '@cws/registry-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimJobs } from '../../registry-server/src/db/queries/jobs.js';
import { freshDatabase } from '../helpers/registry.js';

// The durable job runner on its own: real PGlite or PostgreSQL, two workers on one database.
let database: Database;
let drop: () => Promise<void>;
const logger = createLogger('silent');

beforeAll(async () => {
  const fresh = await freshDatabase();
  drop = fresh.drop;
  database =
    fresh.config.kind === 'pglite'
      ? await createDatabase(fresh.config, { pglite: await openPglite(null) })
      : await createDatabase(fresh.config);
  await database.migrate();
});
afterAll(async () => {
  await database?.close();
  await drop?.();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until the job finished for good (succeeded or failed). */
async function finished(queue: JobQueue, id: number) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const job = await queue.get(id);
    if (!job || job.state === 'succeeded' || job.state === 'failed' || Date.now() > deadline) return job;
    await sleep(25);
  }
}

function worker(queue: JobQueue, leaseSeconds = 30) {
  return new JobWorker(database, queue, logger, { pollMs: 50, leaseSeconds });
}

describe('job runner', () => {
  it('runs a job once, and a second enqueue of the same key while it is queued is the same job', async () => {
    const queue = new JobQueue(database);
    const seen: number[] = [];
    const a = await queue.enqueue('t-dedupe', { n: 1 }, { dedupeKey: 'k1' });
    const b = await queue.enqueue('t-dedupe', { n: 2 }, { dedupeKey: 'k1' });
    expect(b).toMatchObject({ id: a.id, created: false });
    const w = worker(queue).register({
      kind: 't-dedupe',
      concurrency: 2,
      timeoutMs: 5000,
      maxAttempts: 1,
      run: async (job) => {
        seen.push(Number(job.payload['n']));
        return { ok: true };
      },
    });
    await w.start();
    expect(await queue.idle(['t-dedupe'], 10_000)).toBe(true);
    await w.stop();
    expect(seen).toEqual([1]);
    expect(await queue.get(a.id)).toMatchObject({ state: 'succeeded', result: { ok: true }, attempts: 1 });
    // Finished: the key is free again.
    expect((await queue.enqueue('t-dedupe', { n: 3 }, { dedupeKey: 'k1' })).created).toBe(true);
  });

  it('retries a failing job with backoff, and stops after its attempts or a JobFailure', async () => {
    const queue = new JobQueue(database);
    const times: number[] = [];
    const flaky = await queue.enqueue('t-retry', { fail: 2 });
    const hopeless = await queue.enqueue('t-retry', { final: true });
    const w = worker(queue).register({
      kind: 't-retry',
      concurrency: 1,
      timeoutMs: 5000,
      maxAttempts: 4,
      backoffMs: (n) => 100 * 2 ** (n - 1),
      run: async (job) => {
        if (job.payload['final']) throw new JobFailure('cannot ever work');
        times.push(Date.now());
        if (job.attempt <= Number(job.payload['fail'])) throw new Error(`attempt ${job.attempt} broke`);
        return { attempt: job.attempt };
      },
    });
    await w.start();
    await finished(queue, flaky.id);
    await finished(queue, hopeless.id);
    await w.stop();
    expect(await queue.get(flaky.id)).toMatchObject({ state: 'succeeded', attempts: 3, result: { attempt: 3 } });
    expect(times).toHaveLength(3);
    // Exponential: 100 ms after the first failure, 200 ms after the second.
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(90);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(190);
    expect(await queue.get(hopeless.id)).toMatchObject({
      state: 'failed',
      attempts: 1,
      last_error: 'cannot ever work',
    });
  });

  it('keeps a kind under its concurrency across two workers, and never runs one job twice', async () => {
    const queue = new JobQueue(database);
    let running = 0;
    let most = 0;
    const runs = new Map<number, number>();
    const kind = {
      kind: 't-limit',
      concurrency: 2,
      timeoutMs: 5000,
      maxAttempts: 1,
      run: async (job: { id: number }) => {
        runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
        running += 1;
        most = Math.max(most, running);
        await sleep(60);
        running -= 1;
        return undefined;
      },
    };
    for (let i = 0; i < 10; i++) await queue.enqueue('t-limit', { i });
    const w1 = worker(queue).register(kind);
    const w2 = worker(new JobQueue(database)).register(kind);
    await Promise.all([w1.start(), w2.start()]);
    expect(await queue.idle(['t-limit'], 20_000)).toBe(true);
    await Promise.all([w1.stop(), w2.stop()]);
    expect(runs.size).toBe(10);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(most).toBe(2);
  });

  it('runs a job again when its worker died holding it (the lease runs out)', async () => {
    const queue = new JobQueue(database);
    const job = await queue.enqueue('t-crash', {});
    // A worker claims it with a 1 s lease and dies: nothing renews or finishes it.
    const [claimed] = await claimJobs(database.db, {
      maxAttempts: 3,
      kind: 't-crash',
      worker: 'dead-worker',
      limit: 1,
      globalLimit: 1,
      leaseSeconds: 1,
    });
    expect(claimed?.id).toBe(job.id);
    const attempts: number[] = [];
    const w = worker(queue).register({
      kind: 't-crash',
      concurrency: 1,
      timeoutMs: 5000,
      maxAttempts: 3,
      run: async (j) => {
        attempts.push(j.attempt);
        return undefined;
      },
    });
    await w.start();
    await sleep(300);
    expect(attempts).toEqual([]); // the lease still holds
    const done = await queue.wait(job.id, 10_000);
    await w.stop();
    expect(done).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(attempts).toEqual([2]);
  });

  it('fails an attempt at its time limit, hands running jobs back at a graceful stop, and JobRetry waits', async () => {
    const queue = new JobQueue(database);
    const slow = await queue.enqueue('t-slow', {});
    const w = worker(queue).register({
      kind: 't-slow',
      concurrency: 1,
      timeoutMs: 200,
      maxAttempts: 1,
      run: (j) => new Promise((_, reject) => j.signal.addEventListener('abort', () => reject(j.signal.reason))),
    });
    await w.start();
    expect(await finished(queue, slow.id)).toMatchObject({
      state: 'failed',
      last_error: 'time limit of 0.2 s reached',
    });
    await w.stop();

    const held = await queue.enqueue('t-hold', {});
    let started = false;
    const w2 = worker(queue).register({
      kind: 't-hold',
      concurrency: 1,
      timeoutMs: 60_000,
      maxAttempts: 2,
      run: (j) => {
        started = true;
        return new Promise((_, reject) => j.signal.addEventListener('abort', () => reject(j.signal.reason)));
      },
    });
    await w2.start();
    while (!started) await sleep(20);
    await w2.stop();
    expect(await queue.get(held.id)).toMatchObject({ state: 'queued', attempts: 0 });

    const later = await queue.enqueue('t-later', {});
    const w3 = worker(queue).register({
      kind: 't-later',
      concurrency: 1,
      timeoutMs: 5000,
      maxAttempts: 5,
      run: async (j) => {
        if (j.attempt === 1) throw new JobRetry('not yet', 60_000);
        return undefined;
      },
    });
    await w3.start();
    const waiting = await queue.wait(later.id, 5000);
    await w3.stop();
    expect(waiting).toMatchObject({ state: 'queued', attempts: 1, last_error: 'not yet' });
    expect(waiting!.run_at.getTime()).toBeGreaterThan(Date.now() + 50_000);
  });
  it('finds work queued elsewhere and due schedules on its polls (which read first, then claim only what is due)', async () => {
    // Queued through another queue: nothing wakes this worker, only its poll finds the job.
    const elsewhere = new JobQueue(database);
    const queue = new JobQueue(database);
    const ran: string[] = [];
    let fired = 0;
    const w = worker(queue)
      .register({
        kind: 't-elsewhere',
        concurrency: 1,
        timeoutMs: 5000,
        maxAttempts: 1,
        run: async (job) => {
          ran.push(String(job.payload['from']));
          return undefined;
        },
      })
      .register({ kind: 't-idle', concurrency: 1, timeoutMs: 5000, maxAttempts: 1, run: async () => undefined })
      .schedule({
        name: `t-every-second-${process.pid}`,
        intervalSeconds: 1,
        firstDelaySeconds: 0,
        fire: async () => {
          fired++;
        },
      });
    const t0 = Date.now();
    await w.start();
    await sleep(300);
    const late = await elsewhere.enqueue('t-elsewhere', { from: 'elsewhere' });
    expect((await finished(queue, late.id))?.state).toBe('succeeded');
    expect(ran).toEqual(['elsewhere']);
    // A job due later is not claimed early, and is claimed once due.
    const delayed = await elsewhere.enqueue('t-elsewhere', { from: 'later' }, { runAt: new Date(Date.now() + 1500) });
    await sleep(700);
    expect((await queue.get(delayed.id))?.state).toBe('queued');
    expect((await finished(queue, delayed.id))?.state).toBe('succeeded');
    // The schedule fired at once (its row was new), then again when due (at most once a second).
    await sleep(1200);
    await w.stop();
    const seconds = (Date.now() - t0) / 1000;
    expect(fired).toBeGreaterThanOrEqual(2);
    expect(fired).toBeLessThanOrEqual(Math.floor(seconds) + 1);
  });
});
