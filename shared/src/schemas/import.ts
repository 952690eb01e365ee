import { z } from 'zod';
import { amiId, architecture, handle, listingName, region, templateName, version } from './common.js';

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
