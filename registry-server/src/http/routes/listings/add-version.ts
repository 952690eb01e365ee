import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.newVersion, (ctx, { params, body, principal }) =>
  ctx.services.listings.addVersion(principal, params.owner, params.name, body),
);
