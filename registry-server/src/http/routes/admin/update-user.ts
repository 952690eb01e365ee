import { adminUser, updateUserBody, userParams } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'patch',
    path: '/admin/users/{handle}',
    summary: "Change a user's registry role or disable them; takes effect at once (admin)",
    tag: 'admin',
    auth: 'admin',
    params: userParams,
    body: updateUserBody,
    response: { status: 200, schema: adminUser, description: 'The user as they now are' },
    errors: [400, 401, 403, 404, 409, 429],
  },
  (ctx, { params, body, principal }) => ctx.services.admin.updateUser(principal!, params.handle, body),
);
