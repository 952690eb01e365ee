import type pg from 'pg';
import { isConnectionError, sqlState } from './errors.js';
import type { PreparedStatement } from './statement-batcher.js';

/**
 * At most this many statements in one message. One message runs on one backend, one statement
 * after another, while the HTTP thread waits for all of its answers: with 10 requests in flight,
 * messages of 16 (all of them) left both the HTTP thread and PostgreSQL a third idle. Messages of
 * 4 let a few backends work at once and the first answers go out while later ones run
 * (bench/ab.js, cold resolves on the 100k catalogue, 3 rounds each: 0.418x bare Express with 16,
 * 0.466x with 4, 0.457x with 2, 0.391x with 1; CPU per resolve 140, 140, 154, 174 us).
 */
const MAX_BATCH = 4;

interface Pending {
  statement: PreparedStatement;
  /** The `EXECUTE name(literals)` text. */
  execute: string;
  resolve: (rows: unknown[]) => void;
  reject: (err: unknown) => void;
}

/**
 * Prepared statements (db/prepared.ts) on a PostgreSQL server, sent together: the `EXECUTE`s
 * that callers ask for in one turn of the event loop (the requests that arrived together: under
 * load, several at a time) go to the server as one simple-query message on one pooled
 * connection, and each caller gets its own statement's rows. Each message costs the HTTP thread
 * a socket write and a wake-up of the server's backend, which under load was the largest single
 * cost of a cold resolve (a fifth to a quarter of its CPU); one message for several
 * statements pays it once. A statement that is not yet prepared on the connection is prepared in
 * the same message (`PREPARE name AS ...;` before its first `EXECUTE` there); the connection's
 * prepared names are remembered per client.
 *
 * A failing statement ends the message there (the server runs a simple-query message as one
 * implicit transaction): then each statement of the batch is sent again alone, on the same
 * connection, so each caller gets its own answer or its own error. A connection that dropped or
 * timed out fails every statement of its batch with that error (a read is retried by the route),
 * and is discarded from the pool. One statement alone goes as it came, in a message of its own.
 * Only for statements outside a transaction, as `executePrepared`.
 */
export class PgBatcher {
  #queue: Pending[] = [];
  #scheduled = false;
  /** Names prepared on each connection, by this batcher (the only one preparing on its pool). */
  readonly #prepared = new WeakMap<pg.PoolClient, Set<string>>();

  constructor(
    private readonly pool: pg.Pool,
    /** Told each statement's time (ms) and whether it failed, as Kysely's query log is. */
    private readonly observe: (ms: number, failed: boolean) => void,
  ) {}

  execute<R>(statement: PreparedStatement, execute: string): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      this.#queue.push({ statement, execute, resolve: resolve as (rows: unknown[]) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(this.#flush);
      }
    });
  }

  readonly #flush = () => {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    for (let i = 0; i < queue.length; i += MAX_BATCH) void this.#run(queue.slice(i, i + MAX_BATCH));
  };

  async #run(batch: Pending[]): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    let broken: Error | undefined;
    try {
      if (batch.length === 1) await this.#alone(client, batch[0]!);
      else {
        try {
          const results = await this.#send(client, batch);
          for (const [k, p] of batch.entries()) p.resolve(results[k]!);
        } catch (err) {
          if (failsTheBatch(err)) throw err;
          // One statement failed, and the server skipped the rest: each alone, for its own answer.
          for (const p of batch) await this.#alone(client, p);
        }
      }
    } catch (err) {
      // The connection dropped or timed out: every statement not answered yet fails with it.
      broken = err instanceof Error ? err : new Error(String(err));
      for (const p of batch) p.reject(err);
    } finally {
      client.release(broken);
    }
  }

  /** One statement on the client; its own failure is its caller's (a dropped connection is thrown on). */
  async #alone(client: pg.PoolClient, p: Pending): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        p.resolve((await this.#send(client, [p], attempt === 0))[0]!);
        return;
      } catch (err) {
        if (failsTheBatch(err)) throw err;
        const code = sqlState(err);
        // 26000: the session no longer has it (DISCARD, a pooler's new backend): prepare again.
        // 42P05: the session had prepared it outside the batcher (executePrepared on a
        // transaction's connection): #send learnt which names it has. Either way, once more.
        if (attempt === 0 && retried(code)) {
          if (code === '26000') this.#prepared.get(client)?.clear();
          continue;
        }
        p.reject(err);
        return;
      }
    }
  }

  /**
   * One message: the PREPAREs this connection lacks, then the EXECUTEs; the rows of each EXECUTE.
   * A failure is observed only for the statements it fails for good: every statement of the
   * message when the connection fails; one statement sent alone, unless it is sent again
   * (`firstTry` and 26000/42P05); never the statements of a message one of them failed, which are
   * each sent again alone and observed then.
   */
  async #send(client: pg.PoolClient, batch: Pending[], firstTry = false): Promise<unknown[][]> {
    let known = this.#prepared.get(client);
    if (!known) {
      known = new Set();
      this.#prepared.set(client, known);
    }
    // Generic plans: the statements are written for them (and PostgreSQL settles on them after
    // five runs), while a custom plan, which PostgreSQL makes for each of a session's first five
    // runs, can be far worse: a two-word search's took 0.7 s against 3 ms. The setting is the
    // message's own: a message is one implicit transaction, so an error rolls the SET back, and
    // otherwise the RESET ends it; the session's other queries keep their own.
    const parts: string[] = ['SET plan_cache_mode = force_generic_plan'];
    const slots: number[] = [];
    const preparing: string[] = [];
    for (const p of batch) {
      const { name, sql } = p.statement;
      if (!known.has(name) && !preparing.includes(name)) {
        parts.push(`PREPARE ${name} AS ${sql}`);
        preparing.push(name);
      }
      slots.push(parts.length);
      parts.push(p.execute);
    }
    parts.push('RESET plan_cache_mode');
    const start = performance.now();
    let answer: pg.QueryResult | pg.QueryResult[];
    try {
      answer = (await client.query(parts.join(';\n'))) as pg.QueryResult | pg.QueryResult[];
    } catch (err) {
      const ms = performance.now() - start;
      const final = failsTheBatch(err) || (batch.length === 1 && !(firstTry && retried(sqlState(err))));
      if (final) for (let k = 0; k < batch.length; k++) this.observe(ms, true);
      // Which of this message's PREPAREs the session kept is asked, not assumed.
      if (preparing.length > 0 && !failsTheBatch(err))
        await this.#learnPrepared(client, known, preparing).catch(() => {});
      throw err;
    }
    const ms = performance.now() - start;
    for (const name of preparing) known.add(name);
    const results = Array.isArray(answer) ? answer : [answer];
    return slots.map((slot) => {
      this.observe(ms, false);
      return results[slot]?.rows ?? [];
    });
  }

  /** After a failed message: which of the names it tried to prepare the session has now. */
  async #learnPrepared(client: pg.PoolClient, known: Set<string>, names: string[]): Promise<void> {
    const { rows } = await client.query<{ name: string }>(
      'SELECT name FROM pg_prepared_statements WHERE name = ANY($1)',
      [names],
    );
    for (const r of rows) known.add(r.name);
  }
}

/**
 * 26000: the session no longer has the statement; 42P05: it prepared it outside the batcher. A
 * statement that fails so on its first try is sent once more (`#alone`).
 */
const retried = (code: string | undefined) => code === '26000' || code === '42P05';

/**
 * A failure of the connection or the server (not of one statement): the whole batch fails with
 * it. Not an error of the server's at all (a socket error, the client's deadline), or a
 * connection error as errors.ts knows them, but for a statement timeout (57014): that one is one
 * statement's, so the batch is sent again statement by statement and only the slow one fails
 * (after its own timeout, a second time).
 */
function failsTheBatch(err: unknown): boolean {
  const code = sqlState(err);
  return code === undefined || (code !== '57014' && isConnectionError(err));
}
