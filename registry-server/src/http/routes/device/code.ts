import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.startDeviceLogin, (ctx, { body, req }) => {
  const base = ctx.config.http.publicUrl?.replace(/\/+$/, '') ?? `${req.protocol}://${req.host}`;
  return ctx.services.device.start(body, `${base}/device`);
});
