import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(
  contracts.acknowledgeScanAlert,
  async (ctx, { params, principal }) => {
    await ctx.services.scans.acknowledge(principal, params.owner, params.name);
  },
);
