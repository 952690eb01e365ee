import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.communityAmis, (ctx, { query, principal }) =>
  ctx.services.search.community(query, principal),
);
