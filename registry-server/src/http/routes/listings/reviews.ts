import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.listRatings, (ctx, { params, query, principal }) =>
  ctx.services.listings.reviews(params.owner, params.name, principal, query.limit, query.cursor),
);
