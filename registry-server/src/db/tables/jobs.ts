import type { ColumnType, Generated } from 'kysely';

type Json<T> = ColumnType<T, T | undefined, T>;

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';

export interface JobsTable {
  id: Generated<number>;
  kind: string;
  payload: Json<Record<string, unknown>>;
  dedupe_key: string | null;
  state: ColumnType<JobState, JobState | undefined, JobState>;
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: ColumnType<number, number | undefined, number>;
  run_at: ColumnType<Date, Date | undefined, Date>;
  locked_by: string | null;
  lease_token: string | null;
  lease_until: Date | null;
  progress: Json<Record<string, unknown>>;
  last_error: string | null;
  result: ColumnType<
    Record<string, unknown> | null,
    Record<string, unknown> | null | undefined,
    Record<string, unknown> | null
  >;
  created_at: ColumnType<Date, never, never>;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface JobSchedulesTable {
  name: string;
  next_run_at: Date;
  last_run_at: Date | null;
}
