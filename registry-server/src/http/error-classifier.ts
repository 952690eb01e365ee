import { ERROR_STATUS, type ErrorBody, type ErrorCode } from '@cws/shared';
import { ZodError } from 'zod';
import { isConnectionError, sqlState } from '../db/errors.js';
import { DomainError, RateLimitedError } from '../errors.js';

/**
 * What went wrong, in the terms both renderers need: the JSON error handler (API) and the HTML error
 * page (web) each turn this into an answer with their own wording, so the decision of status, code,
 * headers and logging is made once, here.
 */
export interface ClassifiedError {
  /** Where the error came from; the HTML renderer words its page by this. */
  kind:
    | 'domain'
    | 'rate_limited'
    | 'validation'
    | 'body_too_large'
    | 'body_unreadable'
    | 'body_encoding'
    | 'bad_value'
    | 'bad_url'
    | 'db_unavailable'
    | 'internal';
  code: ErrorCode;
  status: number;
  /** The API's message (the JSON body). */
  message: string;
  details?: ErrorBody['error']['details'];
  headers: Record<string, string>;
  /** How the error is logged: faults at error, input the database refused at warn, other 4xx not at all. */
  log?: { level: 'error' | 'warn'; message: string; err: unknown };
}

type ErrorLike = { type?: unknown; status?: unknown; limit?: unknown; code?: unknown; message?: unknown } | null;

function classified(
  kind: ClassifiedError['kind'],
  code: ErrorCode,
  message: string,
  extra: Partial<Pick<ClassifiedError, 'details' | 'headers' | 'log'>> = {},
): ClassifiedError {
  return { kind, code, status: ERROR_STATUS[code], message, headers: {}, ...extra };
}

/** body-parser's errors carry a `type` (and a status, 4xx but for the server-side `stream.encoding.set`). */
function bodyParserError(e: ErrorLike & object): ClassifiedError | null {
  if (typeof e.type !== 'string') return null;
  const message = typeof e.message === 'string' ? e.message : 'the body could not be read';
  switch (e.type) {
    case 'entity.too.large':
      return classified('body_too_large', 'payload_too_large', `the body is larger than the limit of ${e.limit} bytes`);
    case 'entity.parse.failed':
      return classified('body_unreadable', 'bad_request', 'the body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return classified('body_unreadable', 'unsupported_media_type', message);
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return classified('body_unreadable', 'bad_request', message);
  }
  // Other body-parser refusals (a form with too many fields, ...) are the caller's input too.
  return typeof e.status === 'number' && e.status < 500 ? classified('body_unreadable', 'bad_request', message) : null;
}

/** The one classification of errors thrown while answering a request (API route or web page). */
export function classifyError(err: unknown): ClassifiedError {
  if (err instanceof RateLimitedError) {
    return classified('rate_limited', err.code, err.message, {
      headers: { 'Retry-After': String(err.retryAfterSeconds) },
    });
  }
  if (err instanceof DomainError) {
    const status = ERROR_STATUS[err.code];
    return classified('domain', err.code, err.message, {
      ...(err.details ? { details: err.details } : {}),
      ...(status >= 500 ? { log: { level: 'error' as const, message: err.message, err } } : {}),
    });
  }
  // A schema parsed in a handler (not by defineRoute) refused its input: the caller's input, as a ValidationError.
  if (err instanceof ZodError) {
    const details = err.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    return classified('validation', 'validation_failed', details.map((d) => `${d.path}: ${d.message}`).join('; '), {
      details,
    });
  }
  const e = (err ?? null) as ErrorLike;
  if (e && typeof e === 'object') {
    const body = bodyParserError(e);
    if (body) return body;
    // zlib: a body whose bytes do not match its Content-Encoding.
    if (typeof e.code === 'string' && e.code.startsWith('Z_')) {
      return classified('body_encoding', 'bad_request', 'the body does not match its Content-Encoding');
    }
  }
  // SQLSTATE class 22 (data exception: a value out of range, malformed, or with a NUL byte) comes
  // from a value in the request that validation let through; it is the caller's input, not a fault.
  if (sqlState(err)?.startsWith('22')) {
    return classified('bad_value', 'bad_request', 'a value in the request is malformed or out of range', {
      log: { level: 'warn', message: 'input rejected by the database', err: (err as Error).message },
    });
  }
  if (err instanceof URIError) return classified('bad_url', 'bad_request', 'the URL is not valid percent-encoding');
  if (isConnectionError(err)) {
    return classified('db_unavailable', 'unavailable', 'the database is unreachable; try again shortly', {
      headers: { 'Retry-After': '5' },
      log: { level: 'error', message: 'database unreachable', err: (err as Error).message },
    });
  }
  return classified('internal', 'internal', 'internal error; the registry logged it', {
    log: { level: 'error', message: 'unhandled error', err },
  });
}
