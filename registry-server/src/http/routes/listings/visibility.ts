import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.setVisibility, (ctx, { params, body, principal }) =>
  ctx.services.listings.setVisibility(principal, params.owner, params.name, body.visibility),
);
