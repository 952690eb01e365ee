import type { RequestHandler } from 'express';
import type { AppContext } from '../../context.js';
import { DomainError } from '../../errors.js';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** 429 with Retry-After once a token (or, without one, an IP) spends its budget for the minute. */
export function rateLimit(ctx: AppContext): RequestHandler {
  const { readPerMinute, writePerMinute } = ctx.config.rateLimit;
  return async (req, res, next) => {
    const kind = READ_METHODS.has(req.method) ? 'read' : 'write';
    // A limit of 0 is off: no address lookup, no limiter call.
    if ((kind === 'read' ? readPerMinute : writePerMinute) <= 0) return next();
    const key = req.principal ? `t${req.principal.tokenId}` : `ip${req.ip}`;
    const decision = await ctx.limiter.consume(kind, key);
    if (!decision.allowed) {
      ctx.metrics.rateLimited.inc({ kind });
      res.setHeader('Retry-After', String(decision.retryAfterSeconds));
      throw new DomainError('rate_limited', `too many ${kind}s; retry in ${decision.retryAfterSeconds} s`);
    }
    next();
  };
}
