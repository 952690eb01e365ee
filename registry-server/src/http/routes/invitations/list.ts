import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.listInvitations, (ctx, { query, principal }) =>
  ctx.services.invitations.list(principal, query),
);
