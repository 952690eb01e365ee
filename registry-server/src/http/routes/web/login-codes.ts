import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.createLoginCode, async (ctx, { principal, req }) => {
  const { code, expiresAt } = await ctx.services.sessions.createLoginCode(principal);
  const base = ctx.config.http.publicUrl?.replace(/\/+$/, '') ?? `${req.protocol}://${req.host}`;
  return { url: `${base}/login/${code}`, expires_at: expiresAt.toISOString() };
});
