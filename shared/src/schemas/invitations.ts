import * as z from 'zod';
import { role, timestamp } from './common.js';

/** Invitations live at most this long; the first-run admin link lives an hour. */
export const INVITATION_MAX_DAYS = 30;

export const createInvitationBody = z.strictObject({
  role: role.default('user').describe('the registry role of the account the invitation creates'),
  expires_in_days: z.number().int().min(1).max(INVITATION_MAX_DAYS).default(7),
  note: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe('who it is for, shown to admins in the list (never to the invitee)'),
});
export type CreateInvitationBody = z.infer<typeof createInvitationBody>;

export const invitationState = z.enum(['pending', 'used', 'expired', 'revoked']);
export type InvitationState = z.infer<typeof invitationState>;

export const invitationInfo = z.object({
  id: z.string(),
  kind: z
    .enum(['invite', 'first_admin'])
    .describe('first_admin: the link cws-registry serve prints while no admin exists'),
  role,
  note: z.string().nullable(),
  state: invitationState,
  created_by: z.string().nullable().describe('the admin who made it; null for the first-run link'),
  created_at: timestamp,
  expires_at: timestamp,
  used_at: timestamp.nullable(),
  used_by: z.string().nullable().describe('the handle of the account it created'),
});
export type InvitationInfo = z.infer<typeof invitationInfo>;

export const createdInvitation = invitationInfo.extend({
  url: z.string().describe('shown once: open it to create the account; the registry keeps only its SHA-256'),
});
export type CreatedInvitation = z.infer<typeof createdInvitation>;

export const invitationQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export const invitationPage = z.object({ items: z.array(invitationInfo), next_cursor: z.string().nullable() });
export type InvitationPage = z.infer<typeof invitationPage>;

export const invitationParams = z.strictObject({
  id: z.string().regex(/^[0-9]{1,18}$/, 'invitation ids are numbers'),
});
