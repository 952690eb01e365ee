import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.getListingTemplate, (ctx, { params, query, principal }) =>
  ctx.services.templates.get(params.owner, params.name, principal, query.version),
);
