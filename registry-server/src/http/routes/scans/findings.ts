import { findingsPage, findingsQuery, versionParams } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'get',
    path: '/listings/{owner}/{name}/versions/{version}/findings',
    summary: 'Vulnerability findings of a version’s latest scans, most severe first, paged; accepted ones say so',
    tag: 'scans',
    auth: 'optional',
    params: versionParams,
    query: findingsQuery,
    response: { status: 200, schema: findingsPage, description: 'One page of findings' },
    errors: [400, 404, 429],
  },
  async (ctx, { params, query, principal }) => {
    await ctx.services.listings.detail(params.owner, params.name, principal);
    return ctx.services.scans.findings(params.owner, params.name, params.version, query);
  },
);
