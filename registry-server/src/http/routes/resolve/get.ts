import { contracts } from '@cws/shared';
import { identityOf } from '../../../services/downloads.js';
import { failureAhead, requestKeyOf } from '../../cached-get.js';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.resolve, (ctx, { params, query, principal, req }) => {
  // Resolved in front of Express already, and failed (a miss): its error, answered here (cached-get.ts).
  const failed = failureAhead(req);
  if (failed) return Promise.reject(failed.error);
  return ctx.services.resolve.resolve(
    params.template,
    query,
    identityOf(principal, req.ip),
    principal,
    requestKeyOf(req),
  );
});
