import { createdUser, createUserBody } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'post',
    path: '/users',
    summary: 'Create a user and their first token (admin)',
    tag: 'users',
    auth: 'admin',
    body: createUserBody,
    response: { status: 201, schema: createdUser, description: 'The user and a token shown once' },
    errors: [400, 401, 403, 409, 429],
  },
  (ctx, { body, principal }) => ctx.services.auth.createUser(principal!, body),
);
