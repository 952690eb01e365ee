import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.deleteChannel, async (ctx, { params, principal }) => {
  await ctx.services.listings.deleteChannel(principal, params.owner, params.name, params.channel);
});
