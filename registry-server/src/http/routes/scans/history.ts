import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.versionScans, async (ctx, { params, principal }) => {
  // The listing's own visibility rules decide who may see its scans.
  await ctx.services.listings.detail(params.owner, params.name, principal);
  return ctx.services.scans.history(params.owner, params.name, params.version);
});
