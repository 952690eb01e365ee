import { listingDetail, listingParams } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'get',
    path: '/listings/{owner}/{name}',
    summary: 'A listing: versions, regions, rating summary and reviews, verification, scan, channels',
    tag: 'listings',
    auth: 'optional',
    params: listingParams,
    response: { status: 200, schema: listingDetail, description: 'The listing' },
    errors: [400, 404, 429],
  },
  (ctx, { params, principal }) => ctx.services.listings.detail(params.owner, params.name, principal),
);
