import * as z from 'zod';
import { TEMPLATE_MAX_BYTES } from '../templates/limits.js';
import {
  amiId,
  architecture,
  awsAccountId,
  handle,
  listingName,
  region,
  templateName,
  timestamp,
  version,
  versionStatus,
} from './common.js';

const SCAN_COUNTS = z.strictObject({
  critical: z.number().int().min(0),
  high: z.number().int().min(0),
  medium: z.number().int().min(0),
  low: z.number().int().min(0),
  informational: z.number().int().min(0),
});

/** One region image of an exported version, with its verification and latest scan. */
export const exportRegion = z.strictObject({
  region,
  architecture,
  ami_id: amiId,
  owner_account: awsAccountId.nullable().optional(),
  verification: z.strictObject({
    status: z.enum(['unverified', 'verified', 'failed']),
    reason: z.string().max(2000).nullable(),
    checked_at: timestamp.nullable(),
  }),
  scan: z
    .strictObject({
      scanner: z.string().max(100),
      status: z.enum(['pending', 'complete', 'failed']),
      counts: SCAN_COUNTS,
      scanned_at: timestamp,
    })
    .nullable(),
});
export type ExportRegion = z.infer<typeof exportRegion>;

export const exportVersion = z.strictObject({
  version,
  status: versionStatus,
  status_reason: z.string().max(1000).nullable(),
  changelog: z.string().max(20000).nullable(),
  created_at: timestamp,
  regions: z.array(exportRegion).max(64),
  /** The template YAML the version carries (GET /listings/{owner}/{name}/template); a mirror keeps it. */
  template_yaml: z.string().max(TEMPLATE_MAX_BYTES).nullable().optional(),
});
export type ExportVersion = z.infer<typeof exportVersion>;

/**
 * A registry index in seed 004's CommunityAMI shape:
 * { template: { listing_name: { version, creator, description, architecture?, regions: { region: ami-id } } } }
 */
export const indexEntry = z.strictObject({
  version,
  creator: handle,
  description: z.string().max(5000).default(''),
  architecture: architecture.default('x86_64'),
  regions: z.record(region, amiId).refine((r) => Object.keys(r).length > 0, 'needs at least one region'),
  category: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/)
    .optional(),
  tags: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9+.#-]{0,39}$/))
    .max(20)
    .optional(),
  changelog: z.string().max(20000).optional(),
  /** The template YAML the version was built from (stored with the version, served to cws template fetch). */
  template_yaml: z.string().min(1).max(TEMPLATE_MAX_BYTES).optional(),
  /** The listing's name when the key is not it (two owners' listings of one name in a template). */
  name: listingName.optional(),
  /** Every version, newest first (GET /api/v1/export); the top-level fields describe the newest. */
  versions: z.array(exportVersion).max(1000).optional(),
  // Fields a mirrored seed registry carries that we recompute ourselves; accepted and ignored.
  verification: z.unknown().optional(),
  ratings: z.unknown().optional(),
  download_count: z.unknown().optional(),
  last_updated: z.unknown().optional(),
});
export const registryIndex = z.record(templateName, z.record(listingName, indexEntry));
export type RegistryIndex = z.infer<typeof registryIndex>;

export const importResult = z.object({
  users_created: z.number().int(),
  listings_created: z.number().int(),
  versions_created: z.number().int(),
  regions_added: z.number().int(),
  unchanged: z.number().int(),
  conflicts: z
    .array(z.string())
    .describe(
      'entries skipped: a published version already maps that region to another AMI, or another listing version already holds that AMI',
    ),
});
export type ImportResult = z.infer<typeof importResult>;

/** A page of GET /api/v1/export: the registry's own public listings in the index shape. */
export const exportQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});
export const exportPage = z.object({
  registry: z.object({ id: z.string(), url: z.string().nullable() }),
  generated_at: timestamp,
  index: registryIndex,
  next_cursor: z.string().nullable(),
});
export type ExportPage = z.infer<typeof exportPage>;

export const mirrorResult = z.object({
  origin: z.string(),
  pages: z.number().int(),
  listings_seen: z.number().int(),
  users_created: z.number().int(),
  listings_created: z.number().int(),
  listings_updated: z.number().int(),
  versions_created: z.number().int(),
  regions_added: z.number().int(),
  statuses_changed: z.number().int(),
  unchanged: z.number().int(),
  conflicts: z.array(z.string()).describe('entries left alone: a local listing or account has that name'),
});
export type MirrorResult = z.infer<typeof mirrorResult>;

export const mirrorBody = z.strictObject({
  url: z
    .url()
    .regex(/^https?:\/\//, 'must be an http(s) URL')
    .describe('the registry to mirror (its base URL)'),
  token: z.string().min(1).max(500).optional().describe('sent to that registry when it requires sign-in'),
});
