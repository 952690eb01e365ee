import { resolveParams, resolveQuery, resolveResult } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'get',
    path: '/resolve/{template}',
    summary: 'The best AMI for a template in a region and architecture under a policy; counts a download',
    tag: 'resolve',
    auth: 'optional',
    params: resolveParams,
    query: resolveQuery,
    response: { status: 200, schema: resolveResult, description: 'The chosen image and why' },
    errors: [400, 404, 429],
  },
  async (ctx, { params, query, res }) => {
    const answer = await ctx.services.resolve.resolve(params.template, query);
    // The answer is cached as JSON text: send it as it is.
    res.status(200).type('application/json').send(answer.json);
    return undefined;
  },
);
