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

export function createLogger(level: string): Logger {
  return pino({ name: 'cws-registry', level, redact: { paths: REDACT, censor: '[redacted]' } });
}

/**
 * One line per finished request: 5xx at error (ours), 4xx at info (the client's business), the
 * rest at debug. Written by hand rather than with pino-http: that builds a child logger and
 * serializers for every request (~85 us of a ~600 us cached answer) even when nothing is logged.
 */
/** Plain node:http types, so only http/ knows Express. */
export function createHttpLogger(
  logger: Logger,
): (req: IncomingMessage & { originalUrl?: string }, res: ServerResponse, next: () => void) => void {
  const http = logger.child({ name: 'http' });
  let nextId = 0;
  return (req, res, next) => {
    const id = ++nextId;
    const start = performance.now();
    res.once('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
      if (!http.isLevelEnabled(level)) return;
      http[level](
        {
          req: { id, method: req.method, url: req.originalUrl },
          res: { statusCode: status },
          responseTime: Math.round(performance.now() - start),
        },
        'request completed',
      );
    });
    next();
  };
}
