import * as z from 'zod';
import { amiId, architecture, region, version, visibility } from './common.js';
import { lineage, scanInfo, verificationInfo } from './listing-parts.js';

export const amiStatusBody = z.strictObject({
  ami_ids: z.array(amiId).min(1, 'ask about at least one AMI').max(100, 'at most 100 AMIs per request'),
});
export type AmiStatusBody = z.infer<typeof amiStatusBody>;

export const amiStatusItem = z.object({
  ami_id: amiId,
  status: z
    .enum(['active', 'deprecated', 'revoked', 'unlisted'])
    .describe('unlisted: no listing in this registry holds the image (or it is private to someone else)'),
  listing: z.string().nullable(),
  version: version.nullable(),
  reason: z.string().nullable().describe('why it was deprecated or revoked'),
  region: region.nullable(),
  architecture: architecture.nullable(),
  owner_checked: z.boolean().nullable(),
  verification: verificationInfo.nullable(),
  scan: scanInfo.nullable(),
  lineage: lineage.nullable(),
  use_instead: z
    .object({ listing: z.string(), version, ami_id: amiId.nullable().describe('in the same region and architecture') })
    .nullable()
    .describe('for a deprecated or revoked image: the newest active version of the same listing'),
});
export type AmiStatusItem = z.infer<typeof amiStatusItem>;
export const amiStatusResult = z.object({ items: z.array(amiStatusItem) });
export type AmiStatusResult = z.infer<typeof amiStatusResult>;

export const launchBody = z.strictObject({
  ami_id: amiId,
  region,
  aws_account: z
    .string()
    .regex(/^[0-9]{12}$/)
    .optional()
    .describe('the account the instance runs in; it counts as "launched it" only if the reporter proved it'),
});
export type LaunchBody = z.infer<typeof launchBody>;
export const launchResult = z.object({
  listing: z.string(),
  version,
  counted: z.boolean().describe('false: this identity already reported a launch of this version today'),
  launch_count: z.number().int(),
  proven_account: z.boolean().describe('the launch came from an AWS account the reporter has proved'),
});
export type LaunchResult = z.infer<typeof launchResult>;

export const visibilityBody = z.strictObject({ visibility });
export const visibilityResult = z.object({ listing: z.string(), visibility });
