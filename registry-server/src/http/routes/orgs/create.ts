import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.createOrg, (ctx, { body, principal }) =>
  ctx.services.orgs.create(principal, body),
);
