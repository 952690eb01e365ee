import { auditPage, listingParams, reviewsQuery } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'get',
    path: '/listings/{owner}/{name}/audit',
    summary: 'Who did what to a listing, newest first (owner, maintainer or admin)',
    tag: 'listings',
    auth: 'required',
    params: listingParams,
    query: reviewsQuery,
    response: { status: 200, schema: auditPage, description: 'A page of audit entries' },
    errors: [400, 401, 403, 404, 429],
  },
  (ctx, { params, query, principal }) =>
    ctx.services.listings.audit(principal!, params.owner, params.name, query.limit, query.cursor),
);
