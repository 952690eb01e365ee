import { listingParams, reviewPage, reviewsQuery } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'get',
    path: '/listings/{owner}/{name}/ratings',
    summary: 'Reviews of a listing, newest first, cursor paged',
    tag: 'ratings',
    auth: 'optional',
    params: listingParams,
    query: reviewsQuery,
    response: { status: 200, schema: reviewPage, description: 'A page of reviews' },
    errors: [400, 404, 429],
  },
  (ctx, { params, query, principal }) =>
    ctx.services.listings.reviews(params.owner, params.name, principal, query.limit, query.cursor),
);
