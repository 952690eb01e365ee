import { orgInfo } from '@cws/shared';
import { z } from 'zod';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'get',
    path: '/orgs',
    summary: 'Organisations you belong to (registry admins: all)',
    tag: 'organisations',
    auth: 'required',
    response: { status: 200, schema: z.array(orgInfo), description: 'Organisations by name' },
    errors: [401, 429],
  },
  (ctx, { principal }) => ctx.services.orgs.list(principal!),
);
