import { userInfo } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'get',
    path: '/me',
    summary: 'The user behind the token, with proven AWS accounts',
    tag: 'users',
    auth: 'required',
    response: { status: 200, schema: userInfo, description: 'The user' },
    errors: [401, 429],
  },
  (ctx, { principal }) => ctx.services.auth.me(principal!),
);
