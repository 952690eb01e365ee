import { createdToken, createTokenBody } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'post',
    path: '/tokens',
    summary: 'Create a token with at most the scopes of the calling token',
    tag: 'tokens',
    auth: 'required',
    body: createTokenBody,
    response: { status: 201, schema: createdToken, description: 'The token, shown once' },
    errors: [400, 401, 403, 429],
  },
  (ctx, { body, principal }) => ctx.services.auth.createToken(principal!, body),
);
