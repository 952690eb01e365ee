import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.amiStatus, (ctx, { body, principal }) =>
  ctx.services.trust.status(principal, body.ami_ids),
);
