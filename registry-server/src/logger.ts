import { type Logger, pino } from 'pino';
import { pinoHttp } from 'pino-http';

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

export function createHttpLogger(logger: Logger) {
  return pinoHttp({
    logger: logger.child({ name: 'http' }),
    // 4xx are the client's business: info. 5xx are ours: error.
    customLogLevel: (_req, res, err) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug',
    serializers: {
      req: (req) => ({ id: req.id, method: req.method, url: req.url }),
      res: (res) => ({ statusCode: res.statusCode }),
    },
  });
}
