import { ERROR_STATUS, type ErrorBody, type ErrorCode } from '@cws/shared';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { isConnectionError } from '../db/errors.js';
import { DomainError } from '../errors.js';

function send(
  res: Parameters<RequestHandler>[1],
  code: ErrorCode,
  message: string,
  details?: ErrorBody['error']['details'],
) {
  const body: ErrorBody = { error: details ? { code, message, details } : { code, message } };
  res.status(ERROR_STATUS[code]).json(body);
}

export const notFoundHandler: RequestHandler = (req, res) => {
  send(res, 'not_found', `no route ${req.method} ${req.path}; see /api/v1/openapi.json`);
};

/** The one place errors become HTTP answers. Unknown errors are 500 with a generic message. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return;
    if (err instanceof DomainError) {
      if (ERROR_STATUS[err.code] >= 500) logger.error({ err, url: req.originalUrl }, err.message);
      send(res, err.code, err.message, err.details);
      return;
    }
    // body-parser errors carry a type and a status.
    switch (err?.type) {
      case 'entity.too.large':
        send(res, 'payload_too_large', `the body is larger than the limit of ${err.limit} bytes`);
        return;
      case 'entity.parse.failed':
        send(res, 'bad_request', 'the body is not valid JSON');
        return;
      case 'encoding.unsupported':
      case 'charset.unsupported':
        send(res, 'unsupported_media_type', err.message);
        return;
      case 'request.aborted':
      case 'request.size.invalid':
      case 'stream.encoding.set':
        send(res, 'bad_request', err.message);
        return;
    }
    if (err instanceof URIError) {
      send(res, 'bad_request', 'the URL is not valid percent-encoding');
      return;
    }
    if (isConnectionError(err)) {
      logger.error({ err: err.message }, 'database unreachable');
      res.setHeader('Retry-After', '5');
      send(res, 'unavailable', 'the database is unreachable; try again shortly');
      return;
    }
    logger.error({ err, url: req.originalUrl }, 'unhandled error');
    send(res, 'internal', 'internal error; the registry logged it');
  };
}
