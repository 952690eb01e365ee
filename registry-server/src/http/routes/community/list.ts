import { communityAmiList, communityQuery } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'get',
    path: '/community/amis',
    summary: 'Community AMIs (seed 004 shape): best image per listing, filtered by template, category and region',
    tag: 'community',
    auth: 'none',
    query: communityQuery,
    response: { status: 200, schema: communityAmiList, description: `Up to 500 listings, best rated first` },
    errors: [400, 429],
  },
  (ctx, { query }) => ctx.services.search.community(query),
);
