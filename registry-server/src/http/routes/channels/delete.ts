import { channelParams } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'delete',
    path: '/listings/{owner}/{name}/channels/{channel}',
    summary: 'Remove a channel',
    tag: 'listings',
    auth: 'required',
    params: channelParams,
    response: { status: 204, description: 'Removed' },
    errors: [400, 401, 403, 404, 429],
  },
  async (ctx, { params, principal }) => {
    await ctx.services.listings.deleteChannel(principal!, params.owner, params.name, params.channel);
    return undefined;
  },
);
