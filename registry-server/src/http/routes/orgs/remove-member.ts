import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.removeOrgMember, async (ctx, { params, principal }) => {
  await ctx.services.orgs.removeMember(principal, params.org, params.handle);
});
