import { orgDetail, orgParams } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'get',
    path: '/orgs/{org}',
    summary: 'An organisation and its members (members and registry admins)',
    tag: 'organisations',
    auth: 'required',
    params: orgParams,
    response: { status: 200, schema: orgDetail, description: 'The organisation' },
    errors: [400, 401, 404, 429],
  },
  (ctx, { params, principal }) => ctx.services.orgs.get(principal!, params.org),
);
