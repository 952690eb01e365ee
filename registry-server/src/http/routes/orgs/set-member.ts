import { orgMember, orgMemberParams, setMemberBody } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'put',
    path: '/orgs/{org}/members/{handle}',
    summary: "Add a member or change their role (the organisation's admins, registry admins)",
    tag: 'organisations',
    auth: 'required',
    params: orgMemberParams,
    body: setMemberBody,
    response: { status: 200, schema: orgMember, description: 'The membership as it now is' },
    errors: [400, 401, 403, 404, 409, 429],
  },
  (ctx, { params, body, principal }) => ctx.services.orgs.setMember(principal!, params.org, params.handle, body.role),
);
