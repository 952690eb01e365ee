import { listingDetail, publishBody } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'post',
    path: '/listings',
    summary: 'Publish a listing (owned by the token’s user) with its first version',
    tag: 'listings',
    auth: 'required',
    body: publishBody,
    response: { status: 201, schema: listingDetail, description: 'The new listing' },
    errors: [400, 401, 403, 409, 413, 415, 429],
  },
  (ctx, { body, principal }) => ctx.services.listings.publish(principal!, body),
);
