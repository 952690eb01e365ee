import { ERROR_STATUS, type ErrorBody, type ErrorCode } from '@cws/shared';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { isConnectionError, sqlState } from '../db/errors.js';
import { DomainError } from '../errors.js';
import { redactUrl } from '../logger.js';
import { checkErrorBody } from './route.js';

export const notFoundHandler: RequestHandler = (req) => {
  throw new DomainError('not_found', `no route ${req.method} ${req.path}; see /api/v1/openapi.json`);
};

/** The one place errors become HTTP answers. Unknown errors are 500 with a generic message. */
export function errorHandler(logger: Logger, checkResponses = false): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const send = (code: ErrorCode, message: string, details?: ErrorBody['error']['details']) => {
      const body: ErrorBody = { error: details ? { code, message, details } : { code, message } };
      if (checkResponses) checkErrorBody(body);
      res.status(ERROR_STATUS[code]).json(body);
    };
    if (res.headersSent) return;
    if (err instanceof DomainError) {
      if (ERROR_STATUS[err.code] >= 500) logger.error({ err, url: redactUrl(req.originalUrl) }, err.message);
      send(err.code, err.message, err.details);
      return;
    }
    // body-parser errors carry a type and a status.
    switch (err?.type) {
      case 'entity.too.large':
        send('payload_too_large', `the body is larger than the limit of ${err.limit} bytes`);
        return;
      case 'entity.parse.failed':
        send('bad_request', 'the body is not valid JSON');
        return;
      case 'encoding.unsupported':
      case 'charset.unsupported':
        send('unsupported_media_type', err.message);
        return;
      case 'request.aborted':
      case 'request.size.invalid':
      case 'stream.encoding.set':
        send('bad_request', err.message);
        return;
    }
    // zlib: a body whose bytes do not match its Content-Encoding.
    if (typeof err?.code === 'string' && err.code.startsWith('Z_')) {
      send('bad_request', 'the body does not match its Content-Encoding');
      return;
    }
    // SQLSTATE class 22 (data exception: a value out of range, malformed, or with a NUL byte) comes
    // from a value in the request that validation let through; it is the caller's input, not a fault.
    const state = sqlState(err);
    if (state?.startsWith('22')) {
      logger.warn({ err: err.message, url: redactUrl(req.originalUrl) }, 'input rejected by the database');
      send('bad_request', 'a value in the request is malformed or out of range');
      return;
    }
    if (err instanceof URIError) {
      send('bad_request', 'the URL is not valid percent-encoding');
      return;
    }
    if (isConnectionError(err)) {
      logger.error({ err: err.message }, 'database unreachable');
      res.setHeader('Retry-After', '5');
      send('unavailable', 'the database is unreachable; try again shortly');
      return;
    }
    logger.error({ err, url: redactUrl(req.originalUrl) }, 'unhandled error');
    send('internal', 'internal error; the registry logged it');
  };
}
