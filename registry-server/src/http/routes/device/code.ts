import { deviceCode, deviceCodeBody } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'post',
    path: '/device/code',
    summary:
      'Start a device sign-in (cws login --sso): a user code to approve in the browser, a device code to poll with',
    tag: 'auth',
    auth: 'none',
    body: deviceCodeBody,
    response: { status: 201, schema: deviceCode, description: 'The codes; they expire in 10 minutes' },
    errors: [400, 415, 429],
  },
  (ctx, { body, req }) => {
    const base = ctx.config.http.publicUrl?.replace(/\/+$/, '') ?? `${req.protocol}://${req.host}`;
    return ctx.services.device.start(body, `${base}/device`);
  },
);
