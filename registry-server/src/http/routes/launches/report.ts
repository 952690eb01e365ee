import { contracts } from '@cws/shared';
import { identityOf } from '../../../services/downloads.js';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.reportLaunch, (ctx, { body, principal, req }) =>
  ctx.services.trust.launch(principal, identityOf(principal, req.ip), body),
);
