import { tokenInfo } from '@cws/shared';
import { z } from 'zod';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'get',
    path: '/tokens',
    summary: 'Your tokens (never their values)',
    tag: 'tokens',
    auth: 'required',
    response: { status: 200, schema: z.array(tokenInfo), description: 'Tokens, oldest first' },
    errors: [401, 429],
  },
  (ctx, { principal }) => ctx.services.auth.listTokens(principal!),
);
