import type { Database, Db } from '../db/database.js';
import * as q from '../db/queries/jobs.js';

export interface EnqueueOptions {
  /** At most one queued-or-running job per key: asking again returns the job already there. */
  dedupeKey?: string;
  runAt?: Date;
  /** A job of the same key waiting for a later retry is made due now. */
  runNow?: boolean;
}

/**
 * The producer side of the job runner, used by services and routes: jobs are rows, so a job
 * queued inside a transaction exists exactly when the transaction commits. Workers in this
 * process are woken at once; others find the job on their next poll.
 */
export class JobQueue {
  #listeners = new Set<() => void>();

  constructor(private readonly database: Database) {}

  async enqueue(
    kind: string,
    payload: Record<string, unknown>,
    opts: EnqueueOptions = {},
    db: Db = this.database.db,
  ): Promise<{ id: number; created: boolean; attempts: number }> {
    const out = await q.enqueueJob(db, { kind, payload, ...opts });
    // Inside a transaction the row is not visible yet; the worker's next poll finds it then.
    this.wake();
    return out;
  }

  get(id: number) {
    return q.getJob(this.database.db, id);
  }

  wake(): void {
    for (const l of this.#listeners) l();
  }

  onEnqueue(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once no job of these kinds is due or running (tests; `POST .../verify` waits this way). */
  async idle(kinds: string[], timeoutMs = 60_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await q.busyJobs(this.database.db, kinds)) === 0) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  /**
   * Waits until one job finished, or finished an attempt after `afterAttempts` and waits for a
   * retry; returns its row
   * (still queued or running when the wait timed out).
   */
  async wait(id: number, timeoutMs: number, afterAttempts = 0) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await q.getJob(this.database.db, id);
      if (!job || job.state === 'succeeded' || job.state === 'failed' || Date.now() >= deadline) return job;
      if (job.state === 'queued' && job.attempts > afterAttempts) return job;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
