import { revokeBody, versionDetail, versionParams } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'post',
    path: '/listings/{owner}/{name}/versions/{version}/revoke',
    summary: 'Revoke a version for a reason: it never resolves again (owner, maintainer or admin); final',
    tag: 'listings',
    auth: 'required',
    params: versionParams,
    body: revokeBody,
    response: { status: 200, schema: versionDetail, description: 'The version, now revoked' },
    errors: [400, 401, 403, 404, 409, 429],
  },
  (ctx, { params, body, principal }) =>
    ctx.services.listings.setStatus(principal!, params.owner, params.name, params.version, 'revoked', body.reason),
);
