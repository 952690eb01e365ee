import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.resolve, (ctx, { params, query }) =>
  ctx.services.resolve.resolve(params.template, query),
);
