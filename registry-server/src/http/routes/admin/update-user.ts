import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.updateUser, (ctx, { params, body, principal }) =>
  ctx.services.admin.updateUser(principal, params.handle, body),
);
