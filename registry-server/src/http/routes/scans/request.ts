import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.requestScan, async (ctx, { params, principal }) => ({
  listing: `${params.owner}/${params.name}`,
  version: params.version,
  jobs: await ctx.services.scans.request(principal, params.owner, params.name, params.version),
}));
