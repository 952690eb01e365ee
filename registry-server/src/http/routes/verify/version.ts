import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.verifyVersion, (ctx, { params, principal }) =>
  ctx.services.verification.verifyOnDemand(principal, params.owner, params.name, params.version),
);
