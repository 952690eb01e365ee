import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.setChannel, (ctx, { params, body, principal }) =>
  ctx.services.listings.setChannel(principal, params.owner, params.name, params.channel, body.version),
);
