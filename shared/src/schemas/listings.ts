import * as z from 'zod';
import { TEMPLATE_MAX_BYTES } from '../templates/limits.js';
import { queryBoolean } from '../validators.js';
import {
  amiId,
  architecture,
  awsAccountId,
  categoryName,
  channelName,
  handle,
  listingName,
  ratingSummary,
  region,
  tag,
  templateName,
  timestamp,
  version,
  versionStatus,
  visibility,
} from './common.js';
import { hygieneInput, versionHygiene, versionTestReport } from './image-checks.js';
import { lineage, scanInfo, verificationInfo } from './listing-parts.js';

// The parts a resolve answer and an AMI status answer are made of live in listing-parts.ts, so a client that checks
// only those answers (the CLI's lean resolve path) does not build every listing schema; re-exported here unchanged.
export {
  type Lineage,
  lineage,
  type RevokedAncestor,
  revokedAncestor,
  type ScanInfo,
  type SeverityCounts,
  scanInfo,
  severityCounts,
  type VerificationInfo,
  verificationInfo,
} from './listing-parts.js';

export const SORTS = ['relevance', 'rating', 'downloads', 'recent', 'name'] as const;

export const searchQuery = z.strictObject({
  q: z.string().trim().min(1).max(200, 'q is at most 200 characters').optional(),
  template: templateName.optional(),
  category: categoryName.optional(),
  region: region.optional(),
  architecture: architecture.optional(),
  owner: handle.optional(),
  verified: queryBoolean.optional(),
  min_rating: z.coerce.number().min(0).max(5).optional(),
  sort: z.enum(SORTS).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
});
export type SearchQuery = z.infer<typeof searchQuery>;

export const listingParams = z.strictObject({ owner: handle, name: listingName });
export const versionParams = z.strictObject({ owner: handle, name: listingName, version });
export const channelParams = z.strictObject({
  owner: handle,
  name: listingName,
  channel: channelName,
});

export const regionImage = z.object({
  region,
  architecture,
  ami_id: amiId,
  owner_account: z.string().nullable(),
  state: z.enum(['available', 'pending', 'unavailable']),
  owner_checked: z
    .boolean()
    .default(false)
    .describe('false: "owner not checked", the registry has not confirmed in EC2 that the publisher owns this AMI'),
  verification: verificationInfo,
  scan: scanInfo.nullable(),
});
export type RegionImage = z.infer<typeof regionImage>;

export const versionDetail = z.object({
  version,
  status: versionStatus,
  status_reason: z.string().nullable(),
  changelog: z.string().nullable(),
  source_template: z.string().nullable(),
  has_template: z
    .boolean()
    .default(false)
    .describe('the version carries the template YAML it was built from (GET /listings/{owner}/{name}/template)'),
  parent_ami: z.string().nullable(),
  created_by: z.string(),
  created_at: timestamp,
  download_count: z.number().int(),
  launch_count: z.number().int().default(0),
  lineage: lineage.default({ parent_ami: null, parent_listing: null, parent: null, revoked_ancestor: null }),
  regions: z.array(regionImage),
  test_report: versionTestReport.nullable().describe('the latest validation-test report, publisher-reported'),
  hygiene: versionHygiene.nullable().describe('the in-image hygiene check at publish, publisher-reported'),
});
export type VersionDetail = z.infer<typeof versionDetail>;

export const listingSummary = z.object({
  ref: z.string().describe('OWNER/NAME'),
  owner: z.string(),
  name: z.string(),
  template: z.string(),
  category: z.string().nullable(),
  description: z.string(),
  tags: z.array(z.string()),
  visibility,
  verified: z.boolean(),
  rating: ratingSummary,
  download_count: z.number().int().describe('distinct identities (token, else address) resolving it, per day'),
  launch_count: z.number().int().default(0).describe('launches reported by cws launch'),
  latest_version: z.string().nullable(),
  regions: z.array(z.string()),
  architectures: z.array(z.string()),
  updated_at: timestamp,
});
export type ListingSummary = z.infer<typeof listingSummary>;

export const review = z.object({
  user: z.string(),
  rating: z.number().int(),
  review: z.string().nullable(),
  launched: z.boolean().default(false).describe("the rater's proven AWS account launched this listing's image"),
  created_at: timestamp,
  updated_at: timestamp,
});
export type Review = z.infer<typeof review>;

export const ratingDetail = ratingSummary.extend({
  launched_count: z.number().int().default(0).describe('ratings from people whose proven account launched the image'),
  histogram: z.object({
    1: z.number().int(),
    2: z.number().int(),
    3: z.number().int(),
    4: z.number().int(),
    5: z.number().int(),
  }),
});

export const listingDetail = listingSummary.extend({
  created_at: timestamp,
  ratings: ratingDetail,
  reviews: z.array(review).describe('the newest reviews; page through /ratings for more'),
  versions: z.array(versionDetail).describe('newest first'),
  channels: z.record(z.string(), z.string()).describe('channel name -> version'),
  origin: z
    .string()
    .nullable()
    .optional()
    .describe('the registry this listing is mirrored from; null when published here'),
  scan_alert: z
    .object({
      since: timestamp,
      severity: z.enum(['critical', 'high']),
      vulnerability_ids: z.array(z.string()).describe('the new findings (at most 50)'),
      message: z.string().describe('"new critical finding since <date>"'),
    })
    .nullable()
    .optional()
    .describe(
      'a rescan found a critical or high finding the previous scan did not have; cleared by a new version or the owner’s acknowledgement',
    ),
});
export type ListingDetail = z.infer<typeof listingDetail>;

export const searchResult = z.object({
  items: z.array(listingSummary),
  next_cursor: z.string().nullable(),
});
export type SearchResult = z.infer<typeof searchResult>;

export const regionInput = z.strictObject({
  region,
  architecture: architecture.default('x86_64'),
  ami_id: amiId,
  owner_account: awsAccountId.optional(),
});
export type RegionInput = z.input<typeof regionInput>;

export const newVersionBody = z.strictObject({
  version,
  changelog: z.string().max(20000).optional(),
  source_template: z.string().max(200).optional(),
  template_yaml: z
    .string()
    .min(1)
    .max(TEMPLATE_MAX_BYTES, `a template is at most ${TEMPLATE_MAX_BYTES / 1024} kB`)
    .optional()
    .describe(
      "the template YAML the image was built from, checked with the CLI's template schema; its name must be the listing's template",
    ),
  parent_ami: amiId.optional().describe('the image this one was saved from (cws save records it)'),
  parent_listing: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,38}\/[a-z0-9][a-z0-9._-]{0,99}(@[A-Za-z0-9._+-]{1,64})?$/, 'OWNER/NAME[@VERSION]')
    .optional()
    .describe('the listing the parent image came from, as the saver knew it'),
  regions: z.array(regionInput).min(1, 'a version needs at least one region').max(64),
  hygiene: hygieneInput.optional(),
});
export type NewVersionBody = z.infer<typeof newVersionBody>;

export const publishBody = z.strictObject({
  name: listingName,
  template: templateName,
  category: categoryName.optional(),
  description: z.string().max(5000).default(''),
  tags: z.array(tag).max(20).default([]),
  visibility: visibility.default('public'),
  org: handle.optional().describe('publish as this organisation (org/name); needs its publisher or admin role'),
  version: newVersionBody,
});
export type PublishBody = z.infer<typeof publishBody>;

export const versionStatusBody = z.strictObject({
  reason: z.string().trim().min(1).max(1000).optional(),
});
export const revokeBody = z.strictObject({
  reason: z.string().trim().min(1, 'a revocation needs a reason').max(1000),
});

export const templateQuery = z.strictObject({
  version: version.optional().describe('a version of the listing [default: the newest version that carries one]'),
});
export const listingTemplate = z.object({
  listing: z.string().describe('OWNER/NAME'),
  version: z.string().describe('the version whose template this is'),
  version_status: versionStatus,
  name: z.string().describe("the template's name (the listing's template)"),
  yaml: z.string().describe('the template YAML as the publisher sent it'),
});
export type ListingTemplate = z.infer<typeof listingTemplate>;

export const channelBody = z.strictObject({ version });
export const channelResult = z.object({ channel: z.string(), version: z.string() });
export type ChannelResult = z.infer<typeof channelResult>;

export const reviewsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});
export const reviewPage = z.object({ items: z.array(review), next_cursor: z.string().nullable() });
export type ReviewPage = z.infer<typeof reviewPage>;

export const ratingResult = z.object({
  listing: z.string(),
  rating: z.number().int(),
  review: z.string().nullable(),
  launched: z
    .boolean()
    .default(false)
    .describe('the rating carries the "launched it" mark: your proven AWS account launched the image'),
  summary: ratingSummary,
});
export type RatingResult = z.infer<typeof ratingResult>;

export const auditEntry = z.object({
  actor: z.string().nullable().describe('handle, or null for imports and the system'),
  action: z
    .string()
    .describe(
      'listing.publish, version.add, version.deprecate, version.revoke, rating.create, rating.update, channel.set, channel.delete ...',
    ),
  target: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  at: timestamp,
});
export const auditPage = z.object({ items: z.array(auditEntry), next_cursor: z.string().nullable() });
export type AuditPage = z.infer<typeof auditPage>;
