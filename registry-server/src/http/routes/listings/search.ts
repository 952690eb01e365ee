import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.searchListings, (ctx, { query, principal }) =>
  ctx.services.search.searchText(query, principal),
);
