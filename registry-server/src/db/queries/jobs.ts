import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { JobState } from '../tables/jobs.js';

export interface JobRow {
  id: number;
  kind: string;
  payload: Record<string, unknown>;
  dedupe_key: string | null;
  state: JobState;
  attempts: number;
  max_attempts: number;
  run_at: Date;
  lease_token: string | null;
  progress: Record<string, unknown>;
  last_error: string | null;
  result: Record<string, unknown> | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const ACTIVE: JobState[] = ['queued', 'running'];

/**
 * Queues a job. With a dedupe key, a job of that key already queued or running is returned
 * instead (created: false), so asking twice never runs the work twice at once.
 */
export async function enqueueJob(
  db: Db,
  job: {
    kind: string;
    payload: Record<string, unknown>;
    dedupeKey?: string | null;
    runAt?: Date;
    /** A job of the same key waiting for a later retry is made due now. */
    runNow?: boolean;
  },
): Promise<{ id: number; created: boolean; attempts: number }> {
  const row = await db
    .insertInto('jobs')
    .values({
      kind: job.kind,
      payload: job.payload,
      dedupe_key: job.dedupeKey ?? null,
      ...(job.runAt ? { run_at: job.runAt } : {}),
    })
    .onConflict((oc) =>
      // Literals, not parameters: Postgres matches the partial unique index only by its predicate's text.
      oc.column('dedupe_key').where(sql<boolean>`state IN ('queued', 'running')`).doNothing(),
    )
    .returning('id')
    .executeTakeFirst();
  if (row) return { id: row.id, created: true, attempts: 0 };
  if (job.runNow) {
    await db
      .updateTable('jobs')
      .set({ run_at: sql<Date>`now()` })
      .where('dedupe_key', '=', job.dedupeKey ?? '')
      .where('state', '=', 'queued')
      .where('run_at', '>', sql<Date>`now()`)
      .execute();
  }
  const existing = await db
    .selectFrom('jobs')
    .select(['id', 'attempts', 'state'])
    .where('dedupe_key', '=', job.dedupeKey ?? '')
    .where('state', 'in', ACTIVE)
    .executeTakeFirst();
  if (existing) {
    // A running attempt may have read the world before this request: wait for the one after it.
    return { id: existing.id, created: false, attempts: existing.attempts };
  }
  // The other job finished between the insert and the select: try once more.
  return enqueueJob(db, job);
}

/**
 * Claims up to `limit` due jobs of one kind for `worker`, keeping at most `globalLimit` of that
 * kind running across every worker. Claims of one kind take turns (a transaction-scoped
 * advisory lock), rows are taken with SKIP LOCKED, and running jobs whose lease ran out (their
 * worker died) go back to the queue first, or fail once they used every attempt.
 */
export async function claimJobs(
  db: Db,
  opts: {
    kind: string;
    worker: string;
    limit: number;
    globalLimit: number;
    leaseSeconds: number;
    /** The kind's attempts: a job fails for good once it used them. */
    maxAttempts: number;
  },
): Promise<JobRow[]> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`cws-jobs:${opts.kind}`}))`.execute(trx);
    await releaseExpired(trx, opts.kind);
    const running = await trx
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', opts.kind)
      .where('state', '=', 'running')
      .executeTakeFirstOrThrow();
    const n = Math.min(opts.limit, opts.globalLimit - Number(running.n));
    if (n <= 0) return [];
    const rows = await sql<JobRow>`
      UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = ${opts.worker},
        max_attempts = ${opts.maxAttempts},
        lease_token = gen_random_uuid()::text,
        lease_until = now() + make_interval(secs => ${opts.leaseSeconds}),
        started_at = now(), last_error = last_error
      WHERE id IN (
        SELECT id FROM jobs WHERE kind = ${opts.kind} AND state = 'queued' AND run_at <= now()
        ORDER BY run_at, id LIMIT ${n} FOR UPDATE SKIP LOCKED
      )
      RETURNING id, kind, payload, dedupe_key, state, attempts, max_attempts, run_at, lease_token,
        progress, last_error, result, created_at, started_at, finished_at`.execute(trx);
    return rows.rows;
  });
}

/** Running jobs of `kind` whose lease ran out: queued again, or failed when no attempt is left. */
export async function releaseExpired(db: Db, kind?: string): Promise<number> {
  const res = await sql`
    UPDATE jobs SET
      state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
      finished_at = CASE WHEN attempts >= max_attempts THEN now() ELSE NULL END,
      run_at = now(),
      last_error = 'the worker running it stopped before it finished (lease expired)',
      locked_by = NULL, lease_token = NULL, lease_until = NULL
    WHERE state = 'running' AND lease_until < now() ${kind ? sql`AND kind = ${kind}` : sql``}`.execute(db);
  return Number(res.numAffectedRows ?? 0);
}

/** Renews a lease; false when the job is no longer this claim's (it expired and was taken again). */
export async function renewLease(db: Db, id: number, token: string, leaseSeconds: number): Promise<boolean> {
  const res = await db
    .updateTable('jobs')
    .set({ lease_until: sql<Date>`now() + make_interval(secs => ${leaseSeconds})` })
    .where('id', '=', id)
    .where('lease_token', '=', token)
    .where('state', '=', 'running')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function setProgress(db: Db, id: number, token: string, progress: Record<string, unknown>) {
  await db.updateTable('jobs').set({ progress }).where('id', '=', id).where('lease_token', '=', token).execute();
}

export async function completeJob(db: Db, id: number, token: string, result: Record<string, unknown> | null) {
  await db
    .updateTable('jobs')
    .set({
      state: 'succeeded',
      result,
      finished_at: sql<Date>`now()`,
      locked_by: null,
      lease_token: null,
      lease_until: null,
    })
    .where('id', '=', id)
    .where('lease_token', '=', token)
    .execute();
}

/** A failed attempt: queued again after `retryInMs`, or failed for good (`final`, or no attempt left). */
export async function failAttempt(
  db: Db,
  id: number,
  token: string,
  error: string,
  opts: { retryInMs: number; final: boolean },
) {
  await sql`
    UPDATE jobs SET
      state = CASE WHEN ${opts.final} OR attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
      finished_at = CASE WHEN ${opts.final} OR attempts >= max_attempts THEN now() ELSE NULL END,
      run_at = now() + make_interval(secs => ${opts.retryInMs / 1000}),
      last_error = ${error.slice(0, 2000)},
      locked_by = NULL, lease_token = NULL, lease_until = NULL
    WHERE id = ${id} AND lease_token = ${token}`.execute(db);
}

/** A graceful stop hands a running job back without spending its attempt. */
export async function releaseJob(db: Db, id: number, token: string) {
  await sql`
    UPDATE jobs SET state = 'queued', attempts = greatest(attempts - 1, 0), run_at = now(),
      locked_by = NULL, lease_token = NULL, lease_until = NULL
    WHERE id = ${id} AND lease_token = ${token}`.execute(db);
}

export function getJob(db: Db, id: number) {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Is any job of these kinds queued and due, or running? */
export async function busyJobs(db: Db, kinds: string[]): Promise<number> {
  if (kinds.length === 0) return 0;
  const row = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('kind', 'in', kinds)
    .where((eb) =>
      eb.or([eb('state', '=', 'running'), eb.and([eb('state', '=', 'queued'), eb('run_at', '<=', sql<Date>`now()`)])]),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Ids of jobs still held by a live lease (a scan instance tagged with another id is an orphan). */
export async function liveJobIds(db: Db, ids: number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('jobs')
    .select('id')
    .where('id', 'in', ids)
    .where('state', '=', 'running')
    .where('lease_until', '>', sql<Date>`now()`)
    .execute();
  return new Set(rows.map((r) => r.id));
}

/**
 * What a worker's poll has to do, in one statement: the kinds with a job due (queued, run_at
 * passed) or running past its lease (its worker died: the claim queues it again), and the
 * schedules whose next run is due. An idle worker's poll is this one read (partial indexes
 * jobs_claim_idx, jobs_running_idx), not a claim transaction per kind.
 */
export async function dueWork(
  db: Db,
  kinds: string[],
  schedules: string[],
): Promise<{ kinds: Set<string>; schedules: Set<string> }> {
  const parts = [
    ...kinds.map(
      (kind) => sql`SELECT 'k' AS what, ${kind}::text AS name WHERE EXISTS (
        SELECT 1 FROM jobs WHERE kind = ${kind} AND state = 'queued' AND run_at <= now())
        OR EXISTS (SELECT 1 FROM jobs WHERE kind = ${kind} AND state = 'running' AND lease_until < now())`,
    ),
    ...(schedules.length > 0
      ? [
          sql`SELECT 's' AS what, name FROM job_schedules WHERE name IN (${sql.join(schedules)}) AND next_run_at <= now()`,
        ]
      : []),
  ];
  const out = { kinds: new Set<string>(), schedules: new Set<string>() };
  if (parts.length === 0) return out;
  const { rows } = await sql<{ what: 'k' | 's'; name: string }>`${sql.join(parts, sql` UNION ALL `)}`.execute(db);
  for (const r of rows) (r.what === 'k' ? out.kinds : out.schedules).add(r.name);
  return out;
}

/**
 * Takes the turn of a recurring schedule: true for exactly one caller per due time, and the
 * next run moves `intervalSeconds` on. A new schedule first runs after `firstDelaySeconds`.
 */
export async function takeScheduleTurn(
  db: Db,
  name: string,
  intervalSeconds: number,
  firstDelaySeconds: number,
): Promise<boolean> {
  await db
    .insertInto('job_schedules')
    .values({ name, next_run_at: sql<Date>`now() + make_interval(secs => ${firstDelaySeconds})`, last_run_at: null })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const res = await db
    .updateTable('job_schedules')
    .set({
      next_run_at: sql<Date>`now() + make_interval(secs => ${intervalSeconds})`,
      last_run_at: sql<Date>`now()`,
    })
    .where('name', '=', name)
    .where('next_run_at', '<=', sql<Date>`now()`)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function pruneJobs(db: Db, before: Date) {
  await db.deleteFrom('jobs').where('state', 'in', ['succeeded', 'failed']).where('finished_at', '<', before).execute();
}
