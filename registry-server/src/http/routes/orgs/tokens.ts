import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.orgTokens, (ctx, { params, principal }) =>
  ctx.services.orgs.tokens(principal, params.org),
);
