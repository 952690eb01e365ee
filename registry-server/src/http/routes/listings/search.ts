import { searchQuery, searchResult } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'get',
    path: '/listings',
    summary: 'Search listings: full text with typo tolerance, filters, sort, cursor pagination',
    tag: 'listings',
    auth: 'optional',
    query: searchQuery,
    response: { status: 200, schema: searchResult, description: 'A page of listings and the cursor of the next one' },
    errors: [400, 429],
  },
  (ctx, { query, principal }) => ctx.services.search.search(query, principal),
);
