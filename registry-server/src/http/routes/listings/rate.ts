import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.rateListing, (ctx, { params, body, principal }) =>
  ctx.services.ratings.rateListing(principal, params.owner, params.name, body),
);
