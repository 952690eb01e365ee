import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.getOrg, (ctx, { params, principal }) =>
  ctx.services.orgs.get(principal, params.org),
);
