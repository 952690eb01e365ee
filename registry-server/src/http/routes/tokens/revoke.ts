import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.revokeToken, (ctx, { params, principal }) =>
  ctx.services.auth.revokeToken(principal, Number(params.id)),
);
