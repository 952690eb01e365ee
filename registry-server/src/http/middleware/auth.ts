import type { NextFunction, Request, RequestHandler } from 'express';
import type { AppContext } from '../../context.js';
import { AuthRequiredError } from '../../errors.js';
import { spend } from './rate-limit.js';

/**
 * Reads `Authorization: Bearer <token>`. No header: anonymous. A header that does not name a
 * live token is refused outright (401), so a typo never silently downgrades to anonymous.
 */
export function authenticate(ctx: AppContext): RequestHandler {
  // Anonymous requests go on at once, without the promise of the token lookup below.
  const withToken = async (req: Request, header: string, next: NextFunction) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new AuthRequiredError('Authorization must be "Bearer <token>"');
    const principal = await ctx.services.auth.authenticate(match[1]!);
    if (!principal) {
      // Guessing tokens costs the guesser's IP budget: a new made-up token each time is no way around the limit.
      await spend(ctx, req, `ip${req.ip}`);
      throw new AuthRequiredError('the token is unknown, revoked or expired; create a new one');
    }
    req.principal = principal;
    next();
  };
  return (req, _res, next) => {
    const header = req.headers.authorization;
    if (!header) {
      req.principal = null;
      return next();
    }
    return withToken(req, header, next);
  };
}
