import { contracts } from '@cws/shared';
import { ForbiddenError } from '../../../errors.js';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.revokeCurrentToken, async (ctx, { principal }) => {
  if (!principal.tokenId) throw new ForbiddenError('only a token can revoke itself');
  return ctx.services.auth.revokeToken(principal, principal.tokenId);
});
