import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.deprecate, (ctx, { params, body, principal }) =>
  ctx.services.listings.setStatus(
    principal,
    params.owner,
    params.name,
    params.version,
    'deprecated',
    body.reason ?? null,
  ),
);
