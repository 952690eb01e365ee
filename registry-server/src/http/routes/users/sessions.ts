import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.listSessions, (ctx, { principal }) =>
  ctx.services.sessions.list(principal.userId),
);
