import * as z from 'zod';
import { handle, role, scope, timestamp } from './common.js';

export const tokenInfo = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string().describe('the first characters of the token, to tell tokens apart'),
  scopes: z.array(scope),
  created_at: timestamp,
  expires_at: timestamp.nullable(),
  last_used_at: timestamp.nullable(),
  revoked_at: timestamp.nullable(),
  org: z.string().nullable().optional().describe('the organisation the token is limited to'),
});
export type TokenInfo = z.infer<typeof tokenInfo>;
export const tokenInfoList = z.array(tokenInfo);

export const createTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(scope).min(1).optional().describe('defaults to the scopes of the token making the request'),
  expires_in_days: z.number().int().min(1).max(3650).optional(),
  org: handle
    .optional()
    .describe(
      'limit the token to this organisation (you must belong to it); a limited token can only make tokens limited the same way',
    ),
});
export type CreateTokenBody = z.infer<typeof createTokenBody>;

export const createdToken = tokenInfo.extend({
  token: z.string().describe('shown once; the registry keeps only its SHA-256'),
});
export type CreatedToken = z.infer<typeof createdToken>;

export const tokenParams = z.strictObject({ id: z.string().regex(/^[0-9]{1,18}$/, 'token ids are numbers') });

export const userInfo = z.object({
  handle: z.string(),
  display_name: z.string().nullable(),
  role,
  created_at: timestamp,
  aws_accounts: z.array(z.object({ account_id: z.string(), arn: z.string().nullable(), proven_at: timestamp })),
});
export type UserInfo = z.infer<typeof userInfo>;

export const createUserBody = z.strictObject({
  handle,
  display_name: z.string().trim().min(1).max(200).optional(),
  role: role.default('user'),
  token_name: z.string().trim().min(1).max(100).default('initial'),
});
export type CreateUserBody = z.infer<typeof createUserBody>;

export const createdUser = z.object({ user: userInfo, token: createdToken });
export type CreatedUser = z.infer<typeof createdUser>;

/** POST /web/login-codes: a one-time sign-in link for the web pages. */
export const loginCode = z.object({
  url: z.string().describe('open in a browser within a few minutes; works once'),
  expires_at: timestamp,
});
export type LoginCode = z.infer<typeof loginCode>;

export const sessionInfo = z.object({
  id: z.string(),
  via: z.enum(['link', 'saml']).describe('how it started: a sign-in link from a token, or SAML'),
  token_id: z.string().nullable().describe('the token whose sign-in link started it; revoking it ends the session'),
  created_at: z.string(),
  expires_at: z.string(),
});
export type SessionInfo = z.infer<typeof sessionInfo>;
export const sessionInfoList = z.array(sessionInfo);
export const sessionParams = z.strictObject({ id: z.string().regex(/^[0-9]{1,18}$/, 'session ids are numbers') });
