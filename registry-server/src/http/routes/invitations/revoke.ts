import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.revokeInvitation, (ctx, { params, principal }) =>
  ctx.services.invitations.revoke(principal, Number(params.id)),
);
