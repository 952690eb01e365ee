import { contracts } from '@cws/shared';
import { identityOf } from '../../../services/downloads.js';
import { requestKeyOf } from '../../cached-get.js';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.resolve, (ctx, { params, query, principal, req }) =>
  ctx.services.resolve.resolve(params.template, query, identityOf(principal, req.ip), principal, requestKeyOf(req)),
);
