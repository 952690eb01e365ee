import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.createException, (ctx, { body, principal }) =>
  ctx.services.exceptions.create(principal, body),
);
