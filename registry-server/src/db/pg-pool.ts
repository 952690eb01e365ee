import pg from 'pg';

export interface PgPoolOptions {
  url: string;
  max: number;
  /** Server-side statement_timeout, and (plus a second) the client's own wait for an answer. 0: none. */
  statementTimeoutMs: number;
  /** Connecting, and waiting for a free connection in the pool. 0: none. */
  connectTimeoutMs: number;
  /** Told about connections that fail while idle in the pool. */
  onIdleError?: (err: Error) => void;
}

/** An error the driver raises itself when the database does not answer in time. */
export class DatabaseTimeoutError extends Error {
  readonly code = 'DB_TIMEOUT';
}

// int8 (counts, bigserial ids) as JS numbers, as on PGlite: ids and counters stay far below 2^53.
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * node-postgres' Client with two guards:
 * - a permanent 'error' listener: a checked-out client whose socket dies emits 'error', and
 *   pg-pool listens only while the client is idle; an 'error' nobody listens to ends the process.
 *   The query in flight is rejected anyway, and the pool discards the client on release.
 * - a client-side deadline: in a partition the server never answers, so statement_timeout never
 *   fires; past the deadline the socket is destroyed and the query fails with DatabaseTimeoutError.
 */
function guardedClient(deadlineMs: number) {
  return class GuardedClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      this.on('error', () => {});
    }

    // biome-ignore lint/suspicious/noExplicitAny: pg's query() has a dozen overloads; this wraps the promise form only.
    override query(...args: any[]): any {
      const [text, values, callback] = args;
      if (deadlineMs <= 0 || typeof text !== 'string' || typeof values === 'function' || callback) {
        return (super.query as (...a: unknown[]) => unknown)(...args);
      }
      const running = super.query(text, prepareValues(values) as unknown[] | undefined) as Promise<pg.QueryResult>;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          reject(new DatabaseTimeoutError(`the database did not answer within ${deadlineMs} ms`));
          // The connection is in an unknown state: drop it so the pool opens a new one.
          (this as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
        }, deadlineMs);
      });
      return Promise.race([running, deadline]).finally(() => clearTimeout(timer));
    }
  };
}

/**
 * node-postgres turns a JS array into a Postgres array literal, which a jsonb column refuses.
 * Arrays of objects can only be JSON: send them as JSON text (arrays of scalars stay arrays, for text[]).
 */
function prepareValues(values: unknown): unknown {
  if (!Array.isArray(values)) return values;
  return values.map((v) =>
    Array.isArray(v) && v.some((e) => e !== null && typeof e === 'object' && !(e instanceof Date))
      ? JSON.stringify(v)
      : v,
  );
}

/** A pool of node-postgres connections with timeouts, int8 as numbers and no process-ending errors. */
export function createPgPool(opts: PgPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.max,
    Client: guardedClient(opts.statementTimeoutMs > 0 ? opts.statementTimeoutMs + 1000 : 0),
    connectionTimeoutMillis: opts.connectTimeoutMs,
    idleTimeoutMillis: 60_000,
    keepAlive: true,
    types,
    ...(opts.statementTimeoutMs > 0
      ? { statement_timeout: opts.statementTimeoutMs, idle_in_transaction_session_timeout: 60_000 }
      : {}),
  });
  pool.on('error', (err) => opts.onIdleError?.(err));
  return pool;
}
