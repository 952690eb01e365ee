import { Worker } from 'node:worker_threads';

export type ThreadRequest =
  | { id: number; sql: string; params: unknown[]; close?: undefined }
  | { id: number; close: true; sql?: undefined; params?: undefined };
export type ThreadReply = {
  id: number;
  ready?: boolean;
  closed?: boolean;
  rows?: unknown[];
  affectedRows?: number;
  error?: Record<string, unknown>;
};

/**
 * The worker's module. A worker thread is plain Node: when the server runs from its TypeScript
 * sources (vitest), it loads the built one (`pnpm build` comes before the tests anyway).
 */
const WORKER_FILE = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/db/pglite-worker.js', import.meta.url)
  : new URL('./pglite-worker.js', import.meta.url);

/**
 * `caller` is an Error made when the statement was sent: V8 records the stack then, but formats it
 * (the costly part, tens of microseconds) only if `.stack` is read, which happens only on failure.
 */
type Pending = { resolve: (reply: ThreadReply) => void; reject: (err: Error) => void; caller: Error | undefined };

interface QueryResults<T> {
  rows: T[];
  affectedRows?: number;
  fields: { name: string; dataTypeID: number }[];
}

/** An Error as the database raised it in the worker (code, detail, constraint ... kept), with this thread's stack. */
function revive(fields: Record<string, unknown>, caller: Error | undefined): Error {
  const err = new Error(String(fields.message ?? 'database error'));
  Object.assign(err, fields);
  const stack = caller?.stack;
  if (stack) err.stack = `${err.name}: ${err.message}\n${stack.split('\n').slice(1).join('\n')}`;
  return err;
}

/**
 * PGlite in a worker thread, behind the part of PGlite's interface that Kysely's PGlite dialect
 * uses (query, transaction, close). PGlite runs queries on the thread that calls it, so in the
 * HTTP thread one slow query would stall every request, `/healthz` included; here the HTTP
 * thread only posts the SQL and waits for a message. Callers already take turns for the single
 * connection (database.ts SerializedDriver), so a transaction is BEGIN .. COMMIT on it.
 */
export class PGliteThread {
  #worker: Worker;
  #pending = new Map<number, Pending>();
  #next = 1;
  #failed: Error | null = null;
  closed = false;
  ready = false;
  readonly waitReady: Promise<void>;

  private constructor(dataDir: string | null) {
    this.#worker = new Worker(WORKER_FILE, { workerData: { dataDir } });
    this.waitReady = new Promise<void>((resolve, reject) => {
      this.#pending.set(0, {
        resolve: () => {
          this.ready = true;
          resolve();
        },
        reject,
        caller: undefined,
      });
    });
    this.#worker.on('message', (reply: ThreadReply) => {
      const waiting = this.#pending.get(reply.id);
      if (!waiting) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (reply.error) waiting.reject(revive(reply.error, waiting.caller));
      else waiting.resolve(reply);
    });
    const fail = (err: Error) => {
      this.#failed ??= err;
      this.closed = true;
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    };
    this.#worker.on('error', (err) => fail(new Error(`the embedded database thread failed: ${err.message}`)));
    this.#worker.on('exit', (code) => fail(new Error(`the embedded database thread exited (code ${code})`)));
  }

  /** Starts the thread and opens the database in it (null: in memory). */
  static async open(dataDir: string | null): Promise<PGliteThread> {
    return PGliteThread.start(dataDir).opened();
  }

  /**
   * Starts the thread without waiting: PGlite opens in it while this thread goes on (loading the
   * rest of the server). `opened()` waits for it.
   */
  static start(dataDir: string | null): PGliteThread {
    return new PGliteThread(dataDir);
  }

  /** Resolves once the database is open in the thread; when it could not open, ends the thread and throws. */
  async opened(): Promise<this> {
    try {
      await this.waitReady;
    } catch (err) {
      await this.#worker.terminate();
      throw err;
    }
    return this;
  }

  #send(msg: Omit<ThreadRequest, 'id'>): Promise<ThreadReply> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#next++;
    // The thread keeps the process alive only while an answer is awaited.
    if (this.#pending.size === 0) this.#worker.ref();
    return new Promise<ThreadReply>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, caller: new Error() });
      this.#worker.postMessage({ ...msg, id });
    });
  }

  async query<T>(text: string, params: unknown[] = []): Promise<QueryResults<T>> {
    const reply = await this.#send({ sql: text, params: [...params] });
    return { rows: (reply.rows ?? []) as T[], affectedRows: reply.affectedRows, fields: [] };
  }

  async transaction<T>(
    fn: (tx: { query: PGliteThread['query']; rollback(): Promise<void> }) => Promise<T>,
  ): Promise<T> {
    await this.query('BEGIN');
    let done = false;
    const tx = {
      query: <R>(text: string, params?: unknown[]) => this.query<R>(text, params),
      rollback: async () => {
        done = true;
        await this.query('ROLLBACK');
      },
    };
    try {
      const result = await fn(tx);
      if (!done) await this.query('COMMIT');
      return result;
    } catch (err) {
      if (!done) await this.query('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  /** Closes the database (its files are complete afterwards) and ends the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.#send({ close: true });
    } finally {
      this.closed = true;
      await this.#worker.terminate();
    }
  }
}
