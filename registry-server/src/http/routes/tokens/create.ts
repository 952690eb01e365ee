import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.createToken, (ctx, { body, principal }) =>
  ctx.services.auth.createToken(principal, body),
);
