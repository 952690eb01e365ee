import { scanHistory, versionParams } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'get',
    path: '/listings/{owner}/{name}/versions/{version}/scans',
    summary: 'Security scans of a version: finished ones (newest first) and those queued or running',
    tag: 'scans',
    auth: 'optional',
    params: versionParams,
    response: { status: 200, schema: scanHistory, description: 'The scan history' },
    errors: [400, 404, 429],
  },
  async (ctx, { params, principal }) => {
    // The listing's own visibility rules decide who may see its scans.
    await ctx.services.listings.detail(params.owner, params.name, principal);
    return ctx.services.scans.history(params.owner, params.name, params.version);
  },
);
