import { type Kysely, sql } from 'kysely';

// The durable job runner: background work (verification, scans, rescans) as rows, claimed with
// FOR UPDATE SKIP LOCKED and held by a lease that a live worker renews. A job whose lease ran
// out (its worker died) is claimed again. At most one queued-or-running job per dedupe key.
const UP = [
  `CREATE TABLE jobs (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}',
    dedupe_key text,
    state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    run_at timestamptz NOT NULL DEFAULT now(),
    locked_by text,
    lease_token text,
    lease_until timestamptz,
    progress jsonb NOT NULL DEFAULT '{}',
    last_error text,
    result jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz
  )`,
  `CREATE UNIQUE INDEX jobs_dedupe_idx ON jobs (dedupe_key) WHERE state IN ('queued', 'running')`,
  `CREATE INDEX jobs_claim_idx ON jobs (kind, run_at, id) WHERE state = 'queued'`,
  `CREATE INDEX jobs_running_idx ON jobs (kind, lease_until) WHERE state = 'running'`,
  `CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE state IN ('succeeded', 'failed')`,
  // Recurring work: the worker that moves next_run_at forward enqueues the pass (one winner).
  `CREATE TABLE job_schedules (
    name text PRIMARY KEY,
    next_run_at timestamptz NOT NULL,
    last_run_at timestamptz
  )`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP TABLE IF EXISTS job_schedules').execute(db);
  await sql.raw('DROP TABLE IF EXISTS jobs').execute(db);
}
