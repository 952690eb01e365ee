import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.createInvitation, (ctx, { body, principal, req }) => {
  // The link names the registry as its users reach it: the public URL, else the Host they used.
  const base = ctx.config.http.publicUrl ?? `${req.protocol}://${req.host}`;
  return ctx.services.invitations.create(principal, body, base);
});
