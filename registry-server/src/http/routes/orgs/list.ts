import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.listOrgs, (ctx, { principal }) =>
  ctx.services.orgs.list(principal),
);
