import { deviceToken, deviceTokenBody } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'post',
    path: '/device/token',
    summary:
      'Poll a device sign-in: the token once approved; else 400 authorization_pending, slow_down, expired_token or access_denied',
    tag: 'auth',
    auth: 'none',
    body: deviceTokenBody,
    response: { status: 200, schema: deviceToken, description: 'A token of the person who approved, shown once' },
    errors: [400, 404, 415, 429],
  },
  (ctx, { body, res }) => {
    res.setHeader('Cache-Control', 'no-store');
    return ctx.services.device.poll(body.device_code);
  },
);
