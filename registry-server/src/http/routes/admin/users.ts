import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.listUsers, (ctx, { query, principal }) =>
  ctx.services.admin.listUsers(principal, query),
);
