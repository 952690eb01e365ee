import { z } from 'zod';
import { defineRoute } from '../../route.js';

/** @TODO move to @cws/shared once the CLI's `cws web login` imports it (kept here to stay out of shared/). */
export const loginCode = z.object({
  url: z.string().describe('open in a browser within a few minutes; works once'),
  expires_at: z.string().describe('ISO 8601 date-time'),
});
export type LoginCode = z.infer<typeof loginCode>;

export const { spec, register } = defineRoute(
  {
    method: 'post',
    path: '/web/login-codes',
    summary: 'A one-time sign-in link for the web pages, bound to the token’s user (cws web login)',
    tag: 'web',
    auth: 'required',
    response: { status: 201, schema: loginCode, description: 'The link, valid for 5 minutes, usable once' },
    errors: [401, 429],
  },
  async (ctx, { principal, req }): Promise<LoginCode> => {
    const { code, expiresAt } = await ctx.services.sessions.createLoginCode(principal!);
    const base = ctx.config.http.publicUrl?.replace(/\/+$/, '') ?? `${req.protocol}://${req.host}`;
    return { url: `${base}/login/${code}`, expires_at: expiresAt.toISOString() };
  },
);
