import type { RequestHandler } from 'express';
import type { AppContext } from '../../context.js';
import { AuthRequiredError } from '../../errors.js';

/**
 * API paths that stay open under CWS_REGISTRY_READ=signed-in: the ways to sign in (AWS
 * account proof under /auth, the device authorisation of `cws login --sso` under /device).
 * The index and the OpenAPI document are served before this runs; /healthz, /readyz and
 * /metrics are not under /api.
 */
export const OPEN_API_PATHS = /^\/(auth|device)(\/|$)/;

/** With CWS_REGISTRY_READ=signed-in, anonymous API requests get 401 before any route runs. */
export function readPolicy(ctx: AppContext): RequestHandler {
  return (req, _res, next) => {
    if (ctx.config.access.read === 'signed-in' && !req.principal && !OPEN_API_PATHS.test(req.path)) {
      throw new AuthRequiredError(
        'this registry requires sign-in for every read: send Authorization: Bearer <token> (make one on the account page /account/tokens, then cws login)',
      );
    }
    next();
  };
}
