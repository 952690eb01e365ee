import type { Request, RequestHandler } from 'express';
import { hashToken } from '../../auth/tokens.js';
import type { LimitKind } from '../../cache/rate-limiter.js';
import type { AppContext } from '../../context.js';
import { RateLimitedError } from '../../errors.js';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function limitKind(req: Request): LimitKind {
  return READ_METHODS.has(req.method) ? 'read' : 'write';
}

/**
 * Spends one request of `key`'s budget; throws RateLimitedError (429 with Retry-After, the same
 * for API answers and pages) once it is spent. The one place requests are counted.
 */
export async function spend(ctx: AppContext, req: Request, key: string): Promise<void> {
  const kind = limitKind(req);
  if (!limited(ctx, kind)) return;
  const decision = await ctx.limiter.consume(kind, key);
  if (!decision.allowed) {
    ctx.metrics.rateLimited.inc({ kind });
    throw new RateLimitedError(
      `too many ${kind}s; retry in ${decision.retryAfterSeconds} s`,
      decision.retryAfterSeconds,
    );
  }
}

/** A limit of 0 is off: no limiter call. */
function limited(ctx: AppContext, kind: LimitKind): boolean {
  const { readPerMinute, writePerMinute } = ctx.config.rateLimit;
  return (kind === 'read' ? readPerMinute : writePerMinute) > 0;
}

/**
 * 429 with Retry-After once a token (or, without one, an IP) spends its budget for the minute.
 * Runs before authentication: the key is the token's hash, so a valid token keeps its own
 * budget, and a made-up token is also charged to its IP when authentication refuses it.
 */
export function rateLimit(ctx: AppContext): RequestHandler {
  return (req, _res, next) => {
    // Limits off: not even the key (the client address, a token hash) is worked out, and no
    // promise is made (the async part below is for limits that are on).
    if (!limited(ctx, limitKind(req))) return next();
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    return spend(ctx, req, bearer ? `t${hashToken(bearer).slice(0, 32)}` : `ip${req.ip}`).then(() => next());
  };
}
