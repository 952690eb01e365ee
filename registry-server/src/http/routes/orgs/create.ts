import { createOrgBody, orgDetail } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'post',
    path: '/orgs',
    summary: 'Create an organisation (registry admin)',
    tag: 'organisations',
    auth: 'admin',
    body: createOrgBody,
    response: { status: 201, schema: orgDetail, description: 'The organisation and its first admins' },
    errors: [400, 401, 403, 404, 409, 429],
  },
  (ctx, { body, principal }) => ctx.services.orgs.create(principal!, body),
);
