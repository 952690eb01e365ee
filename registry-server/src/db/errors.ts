/** Postgres SQLSTATE of an error from either driver (postgres.js and PGlite both set `code`). */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export const isUniqueViolation = (err: unknown) => sqlState(err) === '23505';

/** Errors that mean the database cannot be reached (the API answers 503, not 500). */
export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE'].includes(code)) return true;
  if (['CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED'].includes(code)) return true;
  // SQLSTATE class 08: connection exception; 57P01-03: server shutting down.
  return /^08[0-9A-Z]{3}$/.test(code) || ['57P01', '57P02', '57P03'].includes(code);
}
