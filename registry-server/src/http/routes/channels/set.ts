import { channelBody, channelParams } from '@cws/shared';
import { z } from 'zod';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'put',
    path: '/listings/{owner}/{name}/channels/{channel}',
    summary: 'Point a channel (stable, beta ...) at a version; resolve?channel= follows it',
    tag: 'listings',
    auth: 'required',
    params: channelParams,
    body: channelBody,
    response: {
      status: 200,
      schema: z.object({ channel: z.string(), version: z.string() }),
      description: 'The channel',
    },
    errors: [400, 401, 403, 404, 409, 429],
  },
  (ctx, { params, body, principal }) =>
    ctx.services.listings.setChannel(principal!, params.owner, params.name, params.channel, body.version),
);
