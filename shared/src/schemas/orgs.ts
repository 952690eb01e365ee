import * as z from 'zod';
import { tokenInfo } from './auth.js';
import { handle, role, timestamp } from './common.js';

export const ORG_ROLES = ['member', 'publisher', 'admin'] as const;
export const orgRole = z.enum(ORG_ROLES, { error: 'must be member, publisher or admin' });
export type OrgRole = z.infer<typeof orgRole>;

/** Organisations share the namespace of user handles: `org/name` listings. */
export const orgName = handle;

export const orgParams = z.strictObject({ org: orgName });
export const orgMemberParams = z.strictObject({ org: orgName, handle });

export const createOrgBody = z.strictObject({
  name: orgName,
  display_name: z.string().trim().min(1).max(200).optional(),
  admins: z.array(handle).max(50).default([]).describe("people who become the organisation's first admins"),
});
export type CreateOrgBody = z.infer<typeof createOrgBody>;

export const orgInfo = z.object({
  name: z.string(),
  display_name: z.string().nullable(),
  created_at: timestamp,
  members: z.number().int(),
  my_role: orgRole.nullable().describe("the caller's role here, null when not a member"),
});
export type OrgInfo = z.infer<typeof orgInfo>;

export const orgMember = z.object({
  handle: z.string(),
  display_name: z.string().nullable(),
  role: orgRole,
  source: z.enum(['manual', 'saml']).describe('saml: granted by the identity provider at sign-in'),
  disabled: z.boolean(),
  since: timestamp,
});
export type OrgMember = z.infer<typeof orgMember>;

export const orgDetail = orgInfo.extend({ member_list: z.array(orgMember) });
export const orgInfoList = z.array(orgInfo);
export type OrgDetail = z.infer<typeof orgDetail>;

export const setMemberBody = z.strictObject({ role: orgRole });
export type SetMemberBody = z.infer<typeof setMemberBody>;

export const orgToken = tokenInfo.extend({ owner: z.string() });
export const orgTokenList = z.array(orgToken);
export type OrgToken = z.infer<typeof orgToken>;

// Registry administration

export const adminUser = z.object({
  handle: z.string(),
  display_name: z.string().nullable(),
  role,
  created_at: timestamp,
  disabled_at: timestamp.nullable(),
  orgs: z.array(z.object({ name: z.string(), role: orgRole })),
});
export type AdminUser = z.infer<typeof adminUser>;

export const adminUserQuery = z.strictObject({
  q: z.string().trim().min(1).max(100).optional().describe('handle prefix'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});
export const adminUserPage = z.object({ items: z.array(adminUser), next_cursor: z.string().nullable() });
export type AdminUserPage = z.infer<typeof adminUserPage>;

export const userParams = z.strictObject({ handle });
export const updateUserBody = z
  .strictObject({
    role: role.optional(),
    disabled: z.boolean().optional().describe('true disables the user at once: tokens and sessions stop working'),
  })
  .refine((b) => b.role !== undefined || b.disabled !== undefined, 'give role or disabled');
export type UpdateUserBody = z.infer<typeof updateUserBody>;

export const registryAuditEntry = z.object({
  id: z.string(),
  actor: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  org: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  at: timestamp,
});
export const registryAuditQuery = z.strictObject({
  action: z
    .string()
    .regex(/^[a-z_.]{1,60}$/, 'actions look like user.disable or org.member.set')
    .optional()
    .describe('exact action, or a prefix ending in "." (org.)'),
  actor: handle.optional(),
  org: orgName.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type RegistryAuditQuery = z.infer<typeof registryAuditQuery>;
export const registryAuditPage = z.object({ items: z.array(registryAuditEntry), next_cursor: z.string().nullable() });
export type RegistryAuditPage = z.infer<typeof registryAuditPage>;
