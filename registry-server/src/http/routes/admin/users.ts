import { adminUserPage, adminUserQuery } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'get',
    path: '/admin/users',
    summary: 'People on the registry with their roles, organisations and whether they are disabled (admin)',
    tag: 'admin',
    auth: 'admin',
    query: adminUserQuery,
    response: { status: 200, schema: adminUserPage, description: 'A page of users by handle' },
    errors: [400, 401, 403, 429],
  },
  (ctx, { query, principal }) => ctx.services.admin.listUsers(principal!, query),
);
