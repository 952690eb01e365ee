import { scanRequestResult, versionParams } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'post',
    path: '/listings/{owner}/{name}/versions/{version}/scan',
    summary: 'Ask for a rescan of every region image of a version now (owner, maintainer or admin)',
    tag: 'scans',
    auth: 'required',
    params: versionParams,
    response: { status: 202, schema: scanRequestResult, description: 'The scan jobs queued (or already queued)' },
    errors: [401, 403, 404, 409, 429],
    limit: 'write',
  },
  async (ctx, { params, principal }) => ({
    listing: `${params.owner}/${params.name}`,
    version: params.version,
    jobs: await ctx.services.scans.request(principal!, params.owner, params.name, params.version),
  }),
);
