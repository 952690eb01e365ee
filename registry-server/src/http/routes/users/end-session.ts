import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.endSession, (ctx, { params, principal }) =>
  ctx.services.sessions.endById(principal.userId, Number(params.id)),
);
