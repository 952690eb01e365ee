import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.deleteException, async (ctx, { params, principal }) => {
  await ctx.services.exceptions.remove(principal, params.id);
});
