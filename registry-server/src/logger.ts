import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Logger, pino } from 'pino';

/** Paths pino removes from every log line: credentials never reach the logs. */
export const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'token',
  '*.token',
  'adminToken',
  'password',
];

/** Query parameters that carry a secret or a one-time code. */
const SECRET_PARAMS = new Set([
  'code',
  'user_code',
  'device_code',
  'token',
  'access_token',
  'samlresponse',
  'samlrequest',
  'signature',
  'relaystate',
]);

/**
 * A URL fit for a log line: the one-time code in /login/{code} and /invite/{code}, and secret query parameters
 * (sign-in and device codes, SAML messages) become "[redacted]". Never throws, whatever the input.
 */
export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  let path = q === -1 ? url : url.slice(0, q);
  path = path.replace(/^(\/(?:login|invite)\/)[^/]+/i, '$1[redacted]');
  if (q === -1) return path;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name);
      } catch {
        // a malformed escape: judge by the raw name
      }
      return SECRET_PARAMS.has(name.toLowerCase()) ? `${pair.slice(0, eq)}=[redacted]` : pair;
    })
    .join('&');
  return `${path}?${query}`;
}

/** The server logs to stdout; one-off commands that print their result there log to stderr (fd 2). */
export function createLogger(level: string, fd: 1 | 2 = 1): Logger {
  const options = { name: 'cws-registry', level, redact: { paths: REDACT, censor: '[redacted]' } };
  return fd === 1 ? pino(options) : pino(options, pino.destination(2));
}

/**
 * One line per finished request: 5xx at error (ours), 4xx at info (the client's business), the
 * rest at debug. Written by hand rather than with pino-http: that builds a child logger and
 * serializers for every request (~85 us of a ~600 us cached answer) even when nothing is logged.
 * Plain node:http types, so only http/ knows Express. One instance per app: the full stack
 * (`middleware`) and the lean path of cached answers (`begin` + `finished`) share its request ids.
 */
export class HttpLog {
  readonly #http: Logger;
  #nextId = 0;

  constructor(logger: Logger) {
    this.#http = logger.child({ name: 'http' });
  }

  /** The id of a request that starts now. */
  begin(): number {
    return ++this.#nextId;
  }

  /** Logs a finished request; `start` is its performance.now() at arrival. */
  finished(req: IncomingMessage & { originalUrl?: string }, status: number, id: number, start: number): void {
    const level = status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
    if (!this.#http.isLevelEnabled(level)) return;
    this.#http[level](
      {
        req: { id, method: req.method, url: redactUrl(req.originalUrl ?? req.url) },
        res: { statusCode: status },
        responseTime: Math.round(performance.now() - start),
      },
      'request completed',
    );
  }

  readonly middleware = (
    req: IncomingMessage & { originalUrl?: string },
    res: ServerResponse,
    next: () => void,
  ): void => {
    const id = this.begin();
    const start = performance.now();
    res.once('finish', () => this.finished(req, res.statusCode, id, start));
    next();
  };
}
