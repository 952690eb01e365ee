import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.exportCatalogue, (ctx, { query }) =>
  ctx.services.export.page(query.limit, query.cursor),
);
