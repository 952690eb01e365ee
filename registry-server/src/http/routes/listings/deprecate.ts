import { versionDetail, versionParams, versionStatusBody } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'post',
    path: '/listings/{owner}/{name}/versions/{version}/deprecate',
    summary: 'Deprecate a version: it resolves only when nothing active matches (owner, maintainer or admin)',
    tag: 'listings',
    auth: 'required',
    params: versionParams,
    body: versionStatusBody,
    response: { status: 200, schema: versionDetail, description: 'The version, now deprecated' },
    errors: [400, 401, 403, 404, 409, 429],
  },
  (ctx, { params, body, principal }) =>
    ctx.services.listings.setStatus(
      principal!,
      params.owner,
      params.name,
      params.version,
      'deprecated',
      body.reason ?? null,
    ),
);
