import { orgMemberParams } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'delete',
    path: '/orgs/{org}/members/{handle}',
    summary: "Remove a member (the organisation's admins, registry admins, or the member)",
    tag: 'organisations',
    auth: 'required',
    params: orgMemberParams,
    response: { status: 204, description: 'Removed' },
    errors: [400, 401, 403, 404, 409, 429],
  },
  async (ctx, { params, principal }) => {
    await ctx.services.orgs.removeMember(principal!, params.org, params.handle);
    return undefined;
  },
);
