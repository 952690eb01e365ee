import type { ErrorRequestHandler } from 'express';
import type { AppContext } from '../../context.js';
import type { RateLimitedError } from '../../errors.js';
import { type ClassifiedError, classifyError } from '../error-classifier.js';
import { logAndSetHeaders } from '../error-handler.js';
import type { Render } from './layout.js';
import { errorPage, notFoundPage } from './pages/errors.js';

const FAULT = 'Something went wrong on our side; the registry logged it. Try again in a moment.';

/** A page's status and wording for a classified error: the API's status, but words for a person filling in a form. */
function pageFor(c: ClassifiedError, err: unknown): { status: number; message: string } {
  switch (c.kind) {
    case 'rate_limited':
      return {
        status: c.status,
        message: `Too many requests; try again in ${(err as RateLimitedError).retryAfterSeconds} s.`,
      };
    case 'domain':
    case 'validation':
      return { status: c.status, message: c.status < 500 ? c.message : FAULT };
    case 'body_too_large':
      return { status: c.status, message: 'The form is larger than the registry accepts.' };
    // A form the browser sent in an encoding we do not read is a 400 page too (the API says 415).
    case 'body_unreadable':
    case 'body_encoding':
      return { status: 400, message: 'The form could not be read.' };
    case 'bad_value':
      return { status: c.status, message: 'A value in the form or the address is malformed or out of range.' };
    case 'bad_url':
      return { status: c.status, message: 'The address is not valid.' };
    case 'db_unavailable':
      return { status: c.status, message: 'The registry cannot reach its database right now; try again shortly.' };
    case 'internal':
      return { status: c.status, message: FAULT };
  }
}

/** The HTML renderer of classified errors: pages with the statuses the API uses. */
export function pageErrors(ctx: AppContext, render: Render): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return;
    const c = classifyError(err);
    logAndSetHeaders(ctx.logger, req, res, c);
    const { status, message } = pageFor(c, err);
    render(req, res, status, status === 404 ? notFoundPage(message) : errorPage(status, message));
  };
}
