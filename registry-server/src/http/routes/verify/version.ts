import { versionParams, versionVerification } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'post',
    path: '/listings/{owner}/{name}/versions/{version}/verify',
    summary: 'Check a version in EC2 now, region by region (owner, maintainer or admin)',
    tag: 'listings',
    auth: 'required',
    params: versionParams,
    response: { status: 200, schema: versionVerification, description: 'The outcome per region' },
    errors: [401, 403, 404, 409, 429],
  },
  (ctx, { params, principal }) =>
    ctx.services.verification.verifyOnDemand(principal!, params.owner, params.name, params.version),
);
