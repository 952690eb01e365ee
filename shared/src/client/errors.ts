import type { ErrorBody } from '../errors.js';

/**
 * Why a registry call failed:
 * - `http`: the registry answered with an error status (its `{error:{code,message}}` body, when it sent one, is in
 *   `code`/`message`/`details`);
 * - `rate_limited`: 429, with the Retry-After the registry asked for in `retryAfterMs`;
 * - `timeout`: no complete answer within the per-request timeout;
 * - `network`: no connection (refused, reset, DNS ...);
 * - `invalid_response`: an answer that is not JSON or does not match the API schema.
 */
export type RegistryErrorKind = 'http' | 'rate_limited' | 'timeout' | 'network' | 'invalid_response';

export interface RegistryErrorInit {
  kind: RegistryErrorKind;
  message: string;
  method: string;
  url: string;
  status?: number;
  code?: string;
  details?: ErrorBody['error']['details'];
  retryAfterMs?: number;
  attempts?: number;
  cause?: unknown;
}

/** The one error type the registry client throws. Never carries the token. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  readonly kind: RegistryErrorKind;
  readonly method: string;
  readonly url: string;
  readonly status: number | undefined;
  /** The registry's error code (`no_match`, `unauthorized` ...), or a transport code (`ECONNREFUSED`, `timeout`). */
  readonly code: string | undefined;
  readonly details: ErrorBody['error']['details'];
  readonly retryAfterMs: number | undefined;
  readonly attempts: number;

  constructor(init: RegistryErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.method = init.method;
    this.url = init.url;
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.retryAfterMs = init.retryAfterMs;
    this.attempts = init.attempts ?? 1;
  }

  /** True when the registry could not be used at all (as opposed to answering "no" or "not found"). */
  get unreachable(): boolean {
    return (
      this.kind === 'timeout' ||
      this.kind === 'network' ||
      this.kind === 'invalid_response' ||
      this.kind === 'rate_limited' ||
      (this.kind === 'http' && (this.status ?? 0) >= 500)
    );
  }

  /** A short reason suitable for a table cell or a warning line. */
  get summary(): string {
    switch (this.kind) {
      case 'timeout':
        return `timed out (${this.message})`;
      case 'network':
        return `unreachable (${this.message})`;
      case 'invalid_response':
        return `bad response (${this.message})`;
      case 'rate_limited':
        return `rate limited (429)${this.retryAfterMs === undefined ? '' : `, retry after ${Math.ceil(this.retryAfterMs / 1000)} s`}`;
      default:
        return `HTTP ${this.status}${this.code ? ` ${this.code}` : ''}: ${this.message}`;
    }
  }
}

export function isRegistryError(err: unknown): err is RegistryError {
  return err instanceof RegistryError;
}

/** The registry's resolve endpoint answers 404 `no_match` when it has nothing for the query. */
export function isNoMatch(err: unknown): boolean {
  return isRegistryError(err) && err.kind === 'http' && err.status === 404 && err.code === 'no_match';
}
