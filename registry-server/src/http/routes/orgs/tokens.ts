import { orgParams, orgToken } from '@cws/shared';
import { z } from 'zod';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'get',
    path: '/orgs/{org}/tokens',
    summary: "Tokens limited to the organisation, never their values (the organisation's admins, registry admins)",
    tag: 'organisations',
    auth: 'required',
    params: orgParams,
    response: { status: 200, schema: z.array(orgToken), description: 'Tokens, oldest first' },
    errors: [400, 401, 403, 404, 429],
  },
  (ctx, { params, principal }) => ctx.services.orgs.tokens(principal!, params.org),
);
