import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.publish, (ctx, { body, principal }) =>
  ctx.services.listings.publish(principal, body),
);
