import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.setOrgMember, (ctx, { params, body, principal }) =>
  ctx.services.orgs.setMember(principal, params.org, params.handle, body.role),
);
