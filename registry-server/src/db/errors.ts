/** Postgres SQLSTATE of an error from either driver (postgres.js and PGlite both set `code`). */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export const isUniqueViolation = (err: unknown) => sqlState(err) === '23505';

/** Errors that mean the database cannot be reached, or did not answer in time (the API answers 503, not 500). */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH', 'DB_TIMEOUT'].includes(code))
      return true;
    // SQLSTATE class 08: connection exception; 57P01-03: server shutting down; 57014: statement timeout.
    if (/^08[0-9A-Z]{3}$/.test(code) || ['57P01', '57P02', '57P03', '57014'].includes(code)) return true;
  }
  // node-postgres says these in words only.
  return /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end|driver has already been destroyed)/.test(
    err.message,
  );
}

/** A connection error that happened before the statement could have run, or a dropped link: safe to retry a read. */
export function isRetryableRead(err: unknown): boolean {
  return (
    isConnectionError(err) &&
    (err as { code?: unknown }).code !== 'DB_TIMEOUT' &&
    (err as { code?: unknown }).code !== '57014'
  );
}
