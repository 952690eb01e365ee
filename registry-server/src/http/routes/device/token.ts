import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.pollDeviceLogin, (ctx, { body, res }) => {
  res.setHeader('Cache-Control', 'no-store');
  return ctx.services.device.poll(body.device_code);
});
