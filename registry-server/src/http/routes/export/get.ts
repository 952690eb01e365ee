import { exportPage, exportQuery } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'get',
    path: '/export',
    summary:
      "This registry's own public catalogue in the registry-index shape, with versions, regions, verification and scans (what mirrors read)",
    tag: 'mirroring',
    auth: 'optional',
    query: exportQuery,
    response: { status: 200, schema: exportPage, description: 'A page of the index, oldest listings first' },
    errors: [400, 401, 429],
  },
  (ctx, { query }) => ctx.services.export.page(query.limit, query.cursor),
);
