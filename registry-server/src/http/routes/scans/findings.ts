import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(
  contracts.versionFindings,
  async (ctx, { params, query, principal }) => {
    await ctx.services.listings.detail(params.owner, params.name, principal);
    return ctx.services.scans.findings(params.owner, params.name, params.version, query);
  },
);
