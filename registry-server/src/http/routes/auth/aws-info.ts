import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.awsAuthInfo, async (ctx) =>
  ctx.services.awsAccounts.info(),
);
