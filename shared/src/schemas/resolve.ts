import * as z from 'zod';
import { listingRef, queryBoolean } from '../validators.js';
import {
  amiId,
  architecture,
  channelName,
  ratingSummary,
  region,
  severity,
  templateName,
  version,
  versionStatus,
} from './common.js';
import { scanInfo, severityCounts, verificationInfo } from './listing-parts.js';

export const resolveParams = z.strictObject({ template: templateName });
export const resolveQuery = z
  .strictObject({
    region,
    architecture: architecture.default('x86_64'),
    min_rating: z.coerce.number().min(0).max(5).optional(),
    verified_only: queryBoolean.optional(),
    max_severity: severity
      .optional()
      .describe(
        'the highest severity of (not accepted) scan findings the consumer tolerates; what happens above it is severity_mode',
      ),
    severity_mode: z
      .enum(['warn', 'block'])
      .optional()
      .describe(
        'with max_severity: warn (default) resolves as usual and says what was found; block passes over images above it',
      ),
    allow_unscanned: queryBoolean
      .optional()
      .describe(
        'with max_severity in block mode: true takes images without a complete scan (with a warning); false (default) refuses them, and says so',
      ),
    explain: queryBoolean
      .optional()
      .describe('true: list the better-ranked images the policy passed over, and why (costs a second query)'),
    channel: channelName.optional().describe('only the version this channel of a listing points at'),
    count: queryBoolean
      .optional()
      .describe('false: a look that is not a download (cws --dry-run, --explain); default true'),
    revoked_lineage: z
      .enum(['warn', 'block'])
      .optional()
      .describe('images built on a revoked image: warn (default) or refuse them'),
    listing: listingRef
      .optional()
      .describe(
        "OWNER/NAME: only that listing's images (every other filter still applies); the listing must be for this template. No match is a 404 naming the listing and why, never another listing's image",
      ),
  })
  .superRefine((q, ctx) => {
    // A mode without a limit would be ignored: say so rather than resolve as if the consumer had a policy.
    // (allow_unscanned=false is the default, harmless alone.)
    if (q.max_severity !== undefined) return;
    const needs = (key: string) =>
      ctx.addIssue({ code: 'custom', path: [key], message: `${key} needs max_severity (the limit it applies to)` });
    if (q.severity_mode !== undefined) needs('severity_mode');
    if (q.allow_unscanned === true) needs('allow_unscanned');
  });
export type ResolveQuery = z.infer<typeof resolveQuery>;

/** How the consumer's scan policy judged the chosen image. */
export const scanPolicyVerdict = z.object({
  max_severity: severity,
  mode: z.enum(['warn', 'block']),
  allow_unscanned: z.boolean(),
  verdict: z
    .enum(['passed', 'above', 'unscanned'])
    .describe(
      'passed: nothing above max_severity that is not accepted; above: there is (warn mode); unscanned: no complete scan',
    ),
  highest: severity.nullable().describe('the most severe finding that is not accepted by an exception'),
  counts: severityCounts.nullable().describe('findings of the latest complete scan that are not accepted'),
  accepted: z.number().int().describe('findings above max_severity accepted by an exception (they do not count)'),
  message: z.string(),
});
export type ScanPolicyVerdict = z.infer<typeof scanPolicyVerdict>;

/** A better-ranked image the policy passed over (resolve with explain=true). */
export const excludedImage = z.object({
  listing: z.string(),
  version,
  ami_id: amiId,
  reasons: z.array(z.string()),
});
export type ExcludedImage = z.infer<typeof excludedImage>;

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
    download_count: z.number().int().describe('distinct identities resolving the listing, per day'),
    launch_count: z.number().int().default(0).describe('launches reported by cws launch'),
    verified: z.boolean(),
  }),
  version: z.object({ version, status: versionStatus, channel: z.string().nullable() }),
  verification: verificationInfo,
  scan: scanInfo.nullable(),
  reason: z.string().describe('why this image was chosen'),
  warnings: z.array(z.string()),
  policy: scanPolicyVerdict
    .nullable()
    .optional()
    .describe('the scan policy (max_severity) and how the chosen image fared; null without max_severity'),
  excluded: z
    .array(excludedImage)
    .optional()
    .describe('with explain=true: images ranked above the chosen one that the policy passed over (at most 20)'),
});
export type ResolveResult = z.infer<typeof resolveResult>;
