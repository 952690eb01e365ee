import { tokenInfo, tokenParams } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'delete',
    path: '/tokens/{id}',
    summary: 'Revoke one of your tokens (revoking twice is harmless)',
    tag: 'tokens',
    auth: 'required',
    params: tokenParams,
    response: { status: 200, schema: tokenInfo, description: 'The revoked token' },
    errors: [400, 401, 404, 429],
  },
  (ctx, { params, principal }) => ctx.services.auth.revokeToken(principal!, Number(params.id)),
);
