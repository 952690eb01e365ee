import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.getListing, (ctx, { params, principal }) =>
  ctx.services.listings.detail(params.owner, params.name, principal),
);
