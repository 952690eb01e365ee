import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { hashToken } from '../../auth/tokens.js';
import type { LimitDecision, LimitKind } from '../../cache/rate-limiter.js';
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
  settle(ctx, kind, await ctx.limiter.consume(kind, key));
}

/** Refuses (429) a request whose budget was spent, counted in the metrics once. */
function settle(ctx: AppContext, kind: LimitKind, decision: LimitDecision): void {
  if (!decision.allowed) {
    ctx.metrics.rateLimited.inc({ kind });
    throw new RateLimitedError(
      `too many ${kind}s; retry in ${decision.retryAfterSeconds} s`,
      decision.retryAfterSeconds,
    );
  }
}

/**
 * Decisions made in front of Express (http/cached-get.ts spends an anonymous read before it
 * looks for a cached answer) for requests it then hands to the app: the app's rateLimit
 * settles the decision (the same 429, counted once) instead of spending a second time.
 */
const decidedAhead = new WeakMap<IncomingMessage, LimitDecision>();

/**
 * Spends an anonymous read (key `ip<address>`, as rateLimit below) ahead of the app, and
 * remembers the decision for the app's rateLimit should the request go on to the app.
 */
export async function spendAhead(
  ctx: AppContext,
  req: IncomingMessage,
  ip: string | undefined,
): Promise<LimitDecision> {
  const decision = await ctx.limiter.consume('read', `ip${ip}`);
  decidedAhead.set(req, decision);
  return decision;
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
    const kind = limitKind(req);
    if (!limited(ctx, kind)) return next();
    const ahead = decidedAhead.get(req);
    if (ahead !== undefined) {
      settle(ctx, kind, ahead);
      return next();
    }
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    return spend(ctx, req, bearer ? `t${hashToken(bearer).slice(0, 32)}` : `ip${req.ip}`).then(() => next());
  };
}
