import { z } from 'zod';
import { queryBoolean } from '../validators.js';
import {
  amiId,
  architecture,
  ratingSummary,
  region,
  severity,
  templateName,
  version,
  versionStatus,
} from './common.js';
import { scanInfo, verificationInfo } from './listings.js';

export const resolveParams = z.strictObject({ template: templateName });
export const resolveQuery = z.strictObject({
  region,
  architecture: architecture.default('x86_64'),
  min_rating: z.coerce.number().min(0).max(5).optional(),
  verified_only: queryBoolean.optional(),
  max_severity: severity
    .optional()
    .describe('refuse images whose latest scan has findings above this severity; unscanned images are refused too'),
  channel: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/)
    .optional(),
  count: queryBoolean
    .optional()
    .describe('false: a look that is not a download (cws --dry-run, --explain); default true'),
  revoked_lineage: z
    .enum(['warn', 'block'])
    .optional()
    .describe('images built on a revoked image: warn (default) or refuse them'),
});
export type ResolveQuery = z.infer<typeof resolveQuery>;

export const resolveResult = z.object({
  ami_id: amiId,
  region,
  architecture,
  template: z.string(),
  listing: z.object({
    ref: z.string(),
    owner: z.string(),
    name: z.string(),
    rating: ratingSummary,
    download_count: z.number().int(),
    verified: z.boolean(),
  }),
  version: z.object({ version, status: versionStatus, channel: z.string().nullable() }),
  verification: verificationInfo,
  scan: scanInfo.nullable(),
  reason: z.string().describe('why this image was chosen'),
  warnings: z.array(z.string()),
});
export type ResolveResult = z.infer<typeof resolveResult>;
