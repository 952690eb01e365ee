import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.registryAudit, (ctx, { query, principal }) =>
  ctx.services.admin.auditLog(principal, query),
);
