import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.mirrorNow, (ctx, { body, principal }) =>
  ctx.services.mirror.run(body.url, body.token ?? null, principal.userId),
);
