import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.listTokens, (ctx, { principal }) =>
  ctx.services.auth.listTokens(principal),
);
