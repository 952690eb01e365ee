import { registryAuditPage, registryAuditQuery } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'get',
    path: '/admin/audit',
    summary: "The registry-wide audit log, newest first (admin; an organisation's admins with org=)",
    tag: 'admin',
    auth: 'required',
    query: registryAuditQuery,
    response: { status: 200, schema: registryAuditPage, description: 'A page of audit entries' },
    errors: [400, 401, 403, 404, 429],
  },
  (ctx, { query, principal }) => ctx.services.admin.auditLog(principal!, query),
);
