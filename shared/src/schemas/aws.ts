import * as z from 'zod';
import { createdToken, userInfo } from './auth.js';
import { amiId, architecture, region, timestamp, version } from './common.js';
import { verificationInfo } from './listings.js';

/** The header a client signs into its GetCallerIdentity so the proof only works at one registry. */
export const REGISTRY_ID_HEADER = 'x-cws-registry-id';

/**
 * A SigV4-signed (or presigned) `sts:GetCallerIdentity`, as the client would send it to STS.
 * The registry forwards it unchanged; it never sees the client's secret key.
 * GET: presigned URL (X-Amz-* in the query), headers hold at least x-cws-registry-id.
 * POST: url without query, body `Action=GetCallerIdentity&Version=2011-06-15`, headers hold
 * authorization, x-amz-date, content-type and x-cws-registry-id (and x-amz-security-token).
 */
export const awsProofBody = z.strictObject({
  method: z.enum(['GET', 'POST']),
  url: z.string().min(1).max(8192),
  headers: z
    .record(z.string().min(1).max(200), z.string().max(8192))
    .refine((h) => Object.keys(h).length <= 50, 'at most 50 headers'),
  body: z.string().max(8192).optional(),
  token_name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .describe('name of the token created by a login (no bearer token sent); defaults to "aws login"'),
  token_expires_in_days: z.number().int().min(1).max(3650).optional(),
});
export type AwsProofBody = z.infer<typeof awsProofBody>;

export const awsProofResult = z.object({
  account_id: z.string(),
  arn: z.string(),
  aws_user_id: z.string().nullable().describe('STS UserId of the caller'),
  user: userInfo,
  linked: z.boolean().describe('true when this request linked the account (false: it was linked already)'),
  user_created: z.boolean(),
  token: createdToken.nullable().describe('set for a login (no bearer token sent): shown once'),
});
export type AwsProofResult = z.infer<typeof awsProofResult>;

/** What a client needs to build a proof for this registry. */
export const awsAuthInfo = z.object({
  registry_id: z.string().describe(`value to sign in the ${REGISTRY_ID_HEADER} header`),
  header: z.literal(REGISTRY_ID_HEADER),
  sts_endpoints: z.array(z.string()).describe('origins the request may be signed for; * is one DNS label'),
  max_age_seconds: z.number().int(),
  signup: z.boolean().describe('whether a proof for an unknown account creates a user'),
  verification: z.object({
    enabled: z.boolean(),
    reason: z.string().nullable().describe('why the registry cannot verify images, when it cannot'),
    account_id: z.string().nullable().describe('the registry’s own AWS account: share non-public images with it'),
  }),
});
export type AwsAuthInfo = z.infer<typeof awsAuthInfo>;

export const regionVerification = z.object({
  region,
  architecture,
  ami_id: amiId,
  owner_account: z.string().nullable(),
  state: z.enum(['available', 'pending', 'unavailable']),
  verification: verificationInfo,
});
export type RegionVerification = z.infer<typeof regionVerification>;

export const versionVerification = z.object({
  listing: z.string().describe('OWNER/NAME'),
  version,
  listing_verified: z.boolean().describe('every region of the latest active version is verified'),
  aws: z.boolean().describe('false: the registry has no AWS access and verified nothing'),
  checked_at: timestamp,
  regions: z.array(regionVerification),
});
export type VersionVerification = z.infer<typeof versionVerification>;
