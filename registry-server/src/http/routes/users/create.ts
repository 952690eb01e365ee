import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.createUser, (ctx, { body, principal }) =>
  ctx.services.auth.createUser(principal, body),
);
