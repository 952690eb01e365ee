import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import * as q from '../db/queries/jobs.js';
import type { JobQueue } from './queue.js';

/** Thrown by a handler: try again after `delayMs` (an image still pending, AWS throttling ...). */
export class JobRetry extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/** Thrown by a handler: the job cannot succeed by trying again (its failure is already recorded). */
export class JobFailure extends Error {}

export interface JobContext<P> {
  id: number;
  payload: P;
  /** 1 on the first run; a job rerun after a crash or a failure has a higher number. */
  attempt: number;
  maxAttempts: number;
  /** Aborted at the time limit, on shutdown, or when the lease was lost. */
  signal: AbortSignal;
  progress(p: Record<string, unknown>): Promise<void>;
  logger: Logger;
}

export interface JobKind<P = Record<string, unknown>> {
  kind: string;
  /** Jobs of this kind running at once across every worker on this database. */
  concurrency: number;
  /** Per attempt; then the attempt fails and the job is retried with backoff. */
  timeoutMs: number;
  maxAttempts: number;
  /** Delay before attempt n+1 after attempt n failed (default: exponential from 5 s, capped at 10 min). */
  backoffMs?: (attempt: number) => number;
  run(job: JobContext<P>): Promise<Record<string, unknown> | undefined>;
}

export interface Schedule {
  name: string;
  intervalSeconds: number;
  firstDelaySeconds: number;
  /** Enqueues the pass; runs in exactly one worker per due time. */
  fire(): Promise<void>;
}

export interface WorkerOptions {
  pollMs: number;
  leaseSeconds: number;
  /** Runs once before the first claim (the scan reaper). */
  onStart?: () => Promise<void>;
}

export const defaultBackoff = (attempt: number) => Math.min(600_000, 5000 * 2 ** (attempt - 1));

/**
 * The consumer side: polls for due jobs of the kinds it knows, runs each under a lease it renews
 * every third of the lease, a time limit and an abort signal. A worker killed mid-job leaves a
 * lease that runs out; the next claim of that kind (by any worker) queues the job again.
 */
export class JobWorker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  #kinds = new Map<string, JobKind<never>>();
  #schedules: Schedule[] = [];
  #running = new Map<number, { kind: string; token: string; abort: AbortController; done: Promise<void> }>();
  #timer: NodeJS.Timeout | null = null;
  #ticking: Promise<void> | null = null;
  #again = false;
  #stopped = true;
  /** Each schedule's row exists (made by the first poll). */
  #scheduled = false;
  #unsubscribe: (() => void) | null = null;

  constructor(
    private readonly database: Database,
    private readonly queue: JobQueue,
    private readonly logger: Logger,
    private readonly opts: WorkerOptions,
  ) {}

  register<P = Record<string, unknown>>(kind: JobKind<P>): this {
    this.#kinds.set(kind.kind, kind as unknown as JobKind<never>);
    return this;
  }

  schedule(s: Schedule): this {
    if (s.intervalSeconds > 0) this.#schedules.push(s);
    return this;
  }

  get runningCount(): number {
    return this.#running.size;
  }

  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    try {
      await this.opts.onStart?.();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'worker start-up task failed');
    }
    this.#unsubscribe = this.queue.onEnqueue(() => this.#poke());
    this.logger.info({ worker: this.id, kinds: [...this.#kinds.keys()] }, 'job worker started');
    this.#poke();
  }

  #poke(): void {
    if (this.#stopped) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#ticking = this.#tick()
      .catch((err) => this.logger.warn({ err: (err as Error).message }, 'job poll failed'))
      .finally(() => {
        this.#ticking = null;
        if (this.#stopped) return;
        if (this.#again) {
          this.#again = false;
          this.#poke();
          return;
        }
        this.#timer = setTimeout(() => this.#poke(), this.opts.pollMs);
        this.#timer.unref();
      });
  }

  async #tick(): Promise<void> {
    // The first poll makes each schedule's row (takeScheduleTurn inserts it); later polls first
    // ask in one read what is due, and take turns and claim only for that.
    const due = this.#scheduled
      ? await q.dueWork(
          this.database.db,
          [...this.#kinds.keys()],
          this.#schedules.map((s) => s.name),
        )
      : null;
    for (const s of this.#schedules) {
      if (this.#stopped) return;
      if (due && !due.schedules.has(s.name)) continue;
      if (await q.takeScheduleTurn(this.database.db, s.name, s.intervalSeconds, s.firstDelaySeconds)) {
        this.logger.info({ schedule: s.name }, 'scheduled pass queued');
        await s.fire();
      }
    }
    this.#scheduled = true;
    for (const kind of this.#kinds.values()) {
      if (this.#stopped) return;
      // (A pass a schedule queued just now woke this worker: the next poll, right after this one, claims it.)
      if (due && !due.kinds.has(kind.kind)) continue;
      const mine = [...this.#running.values()].filter((r) => r.kind === kind.kind).length;
      const free = kind.concurrency - mine;
      if (free <= 0) continue;
      const jobs = await q.claimJobs(this.database.db, {
        kind: kind.kind,
        worker: this.id,
        limit: free,
        globalLimit: kind.concurrency,
        leaseSeconds: this.opts.leaseSeconds,
        maxAttempts: kind.maxAttempts,
      });
      for (const job of jobs) this.#run(kind, job);
    }
  }

  #run(kind: JobKind<never>, job: q.JobRow): void {
    const token = job.lease_token!;
    const abort = new AbortController();
    const log = this.logger.child({ job: job.id, kind: job.kind, attempt: job.attempts });
    let why = null as 'timeout' | 'lease' | null;
    const limit = setTimeout(() => {
      why = 'timeout';
      abort.abort(new Error(`time limit of ${kind.timeoutMs / 1000} s reached`));
    }, kind.timeoutMs);
    const beat = setInterval(
      () => {
        void q.renewLease(this.database.db, job.id, token, this.opts.leaseSeconds).then(
          (ok) => {
            if (!ok && !abort.signal.aborted) {
              why = 'lease';
              abort.abort(new Error('the job lease was lost'));
            }
          },
          (err) => log.warn({ err: (err as Error).message }, 'lease not renewed'),
        );
      },
      Math.max(200, (this.opts.leaseSeconds * 1000) / 3),
    );
    beat.unref();
    const ctx: JobContext<never> = {
      id: job.id,
      payload: job.payload as never,
      attempt: job.attempts,
      maxAttempts: job.max_attempts,
      signal: abort.signal,
      progress: (p) => q.setProgress(this.database.db, job.id, token, p),
      logger: log,
    };
    const aborted = new Promise<never>((_, reject) => {
      abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true });
    });
    const started = Date.now();
    const done = (async () => {
      try {
        const result = await Promise.race([kind.run(ctx), aborted]);
        await q.completeJob(this.database.db, job.id, token, result ?? null);
        log.info({ ms: Date.now() - started }, 'job done');
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const reason = why ?? (this.#stopped ? 'stop' : null);
        if (reason === 'stop') {
          await q.releaseJob(this.database.db, job.id, token);
          log.info('job handed back at shutdown');
        } else if (reason === 'lease') {
          log.warn('job lease lost; another worker may have it');
        } else if (err instanceof JobRetry) {
          await q.failAttempt(this.database.db, job.id, token, message, { retryInMs: err.delayMs, final: false });
          log.info({ retryInMs: err.delayMs, reason: message }, 'job retries later');
        } else {
          const final = err instanceof JobFailure;
          const backoff = (kind.backoffMs ?? defaultBackoff)(job.attempts);
          await q.failAttempt(this.database.db, job.id, token, message, { retryInMs: backoff, final });
          log.warn({ err: message, final: final || job.attempts >= job.max_attempts }, 'job attempt failed');
        }
      } finally {
        clearTimeout(limit);
        clearInterval(beat);
        this.#running.delete(job.id);
        this.#poke();
      }
    })().catch((err) => log.error({ err }, 'job bookkeeping failed'));
    this.#running.set(job.id, {
      kind: job.kind,
      token,
      abort,
      done,
    });
  }

  /** Stops claiming; running jobs are aborted and handed back to the queue (unspent attempt). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#unsubscribe?.();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#ticking;
    const running = [...this.#running.values()];
    for (const r of running) r.abort.abort(new Error('the worker is stopping'));
    await Promise.allSettled(running.map((r) => r.done));
  }
}
