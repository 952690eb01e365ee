import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.communityAmis, (ctx, { query }) =>
  ctx.services.search.community(query),
);
