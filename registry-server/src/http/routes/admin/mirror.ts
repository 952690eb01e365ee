import { mirrorBody, mirrorResult } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'post',
    path: '/admin/mirror',
    summary: "Mirror another registry's public export now; idempotent (admin)",
    tag: 'admin',
    auth: 'admin',
    body: mirrorBody,
    response: { status: 200, schema: mirrorResult, description: 'What the run created, changed and left alone' },
    errors: [400, 401, 403, 429, 502],
    limit: 'write',
  },
  (ctx, { body, principal }) => ctx.services.mirror.run(body.url, body.token ?? null, principal!.userId),
);
