import { listingParams, newVersionBody, versionDetail } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'post',
    path: '/listings/{owner}/{name}/versions',
    summary: 'Add a version (owner, maintainer or admin)',
    tag: 'listings',
    auth: 'required',
    params: listingParams,
    body: newVersionBody,
    response: { status: 201, schema: versionDetail, description: 'The new version' },
    errors: [400, 401, 403, 404, 409, 413, 415, 429],
  },
  (ctx, { params, body, principal }) => ctx.services.listings.addVersion(principal!, params.owner, params.name, body),
);
