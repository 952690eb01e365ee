import { listingParams, ratingBody, ratingResult } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'put',
    path: '/listings/{owner}/{name}/rating',
    summary: 'Rate a listing 1-5 with an optional review; one per user, a new one replaces it',
    tag: 'ratings',
    auth: 'required',
    params: listingParams,
    body: ratingBody,
    response: { status: 200, schema: ratingResult, description: 'The rating and the listing’s new average' },
    errors: [400, 401, 403, 404, 413, 415, 429],
  },
  (ctx, { params, body, principal }) => ctx.services.ratings.rateListing(principal!, params.owner, params.name, body),
);
