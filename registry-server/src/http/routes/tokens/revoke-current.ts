import { tokenInfo } from '@cws/shared';
import { ForbiddenError } from '../../../errors.js';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'delete',
    path: '/me/token',
    summary: 'Revoke the token making this request (cws logout)',
    tag: 'tokens',
    auth: 'required',
    response: { status: 200, schema: tokenInfo, description: 'The revoked token' },
    errors: [401, 403, 429],
  },
  (ctx, { principal }) => {
    if (!principal!.tokenId) throw new ForbiddenError('only a token can revoke itself');
    return ctx.services.auth.revokeToken(principal!, principal!.tokenId);
  },
);
