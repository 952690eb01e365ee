import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.listExceptions, (ctx, { query, principal }) =>
  ctx.services.exceptions.list(principal, query),
);
