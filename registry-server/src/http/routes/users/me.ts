import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.me, (ctx, { principal }) =>
  ctx.services.auth.me(principal),
);
