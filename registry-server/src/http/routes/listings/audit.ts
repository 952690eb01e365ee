import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.listingAudit, (ctx, { params, query, principal }) =>
  ctx.services.listings.audit(principal, params.owner, params.name, query.limit, query.cursor),
);
