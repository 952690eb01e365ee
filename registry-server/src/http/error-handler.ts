import type { ErrorBody } from '@cws/shared';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { DomainError } from '../errors.js';
import { redactUrl } from '../logger.js';
import { type ClassifiedError, classifyError } from './error-classifier.js';
import { checkErrorBody } from './route.js';

export const notFoundHandler: RequestHandler = (req) => {
  throw new DomainError('not_found', `no route ${req.method} ${req.path}; see /api/v1/openapi.json`);
};

/** Logs a classified error as its classification says (both renderers use this), and sets its headers. */
export function logAndSetHeaders(logger: Logger, req: Request, res: Response, c: ClassifiedError): void {
  if (c.log) logger[c.log.level]({ err: c.log.err, url: redactUrl(req.originalUrl) }, c.log.message);
  for (const [name, value] of Object.entries(c.headers)) res.setHeader(name, value);
}

/** The JSON renderer of classified errors (the API). Unknown errors are 500 with a generic message. */
export function errorHandler(logger: Logger, checkResponses = false): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return;
    const c = classifyError(err);
    logAndSetHeaders(logger, req, res, c);
    const body: ErrorBody = {
      error: c.details
        ? { code: c.code, message: c.message, details: c.details }
        : { code: c.code, message: c.message },
    };
    if (checkResponses) checkErrorBody(body);
    res.status(c.status).json(body);
  };
}
