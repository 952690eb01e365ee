import * as z from 'zod';
import {
  AMI_ID_PATTERN,
  architecture,
  CHANNEL_PATTERN,
  REGION_PATTERN,
  SLUG_PATTERN,
  severity,
} from '../validators.js';

/**
 * The template YAML (seeds 003 and 004): what a workstation is, how to find a ready image for it, and how to build
 * one from a base OS when none exists.
 */
export const STRATEGIES = ['ami_preferred', 'ami_required', 'script_only'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Base images cws knows by name: Canonical publishes their ids as public SSM parameters. */
export const BASE_IMAGES = {
  'ubuntu-24.04': {
    ssm_parameter: '/aws/service/canonical/ubuntu/server/24.04/stable/current/{arch}/hvm/ebs-gp3/ami-id',
    search: { owner: '099720109477', name_pattern: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-{arch}-server-*' },
  },
  'ubuntu-22.04': {
    ssm_parameter: '/aws/service/canonical/ubuntu/server/22.04/stable/current/{arch}/hvm/ebs-gp2/ami-id',
    search: { owner: '099720109477', name_pattern: 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-{arch}-server-*' },
  },
} as const;
export type BaseImageName = keyof typeof BASE_IMAGES;
const BASE_IMAGE_NAMES = Object.keys(BASE_IMAGES) as BaseImageName[];

/** Owner aliases DescribeImages understands, plus `canonical` for Canonical's account. */
export const OWNER_ALIASES: Record<string, string> = { canonical: '099720109477' };

const duration = z.string().regex(/^\d+(?:\.\d+)?\s*(?:s|m|h)$/, 'must be a duration such as 90s, 20m or 1h');

const region = z.string().regex(REGION_PATTERN, 'must be an AWS region name such as us-east-1');
const amiId = z
  .string()
  .regex(AMI_ID_PATTERN, 'must be an EC2 image id such as ami-0123456789abcdef0 (ami- and 8 or 17 hex digits)');

const owner = z
  .string()
  .regex(
    /^(?:\d{12}|self|amazon|aws-marketplace|canonical)$/,
    'must be a 12-digit AWS account id, or self, amazon, aws-marketplace or canonical',
  );

export const amiSearchSchema = z.strictObject({
  /** Required: an image is only ever taken from accounts the template names, never "newest of anyone". */
  owner: z.union([owner, z.array(owner).min(1, 'needs at least one owner')], {
    error: (issue) =>
      issue.input === undefined
        ? 'is required: name the account(s) whose images to trust'
        : 'must be an account id or alias, or a list of them',
  }),
  /** DescribeImages name filter; `{arch}` becomes amd64/arm64 and `{architecture}` x86_64/arm64. */
  name_pattern: z.string().min(1).max(128),
  architecture: architecture.optional(),
});
export type AmiSearch = z.infer<typeof amiSearchSchema>;

const baseImageObject = z.strictObject({
  source: z.enum(BASE_IMAGE_NAMES).optional(),
  /** SSM parameter holding the image id; `{arch}` becomes amd64/arm64. */
  ssm_parameter: z.string().startsWith('/', 'must be an SSM parameter path starting with /').optional(),
  search: amiSearchSchema.optional(),
});

const baseImage = z.union([z.enum(BASE_IMAGE_NAMES), baseImageObject], {
  error: `must be one of ${BASE_IMAGE_NAMES.join(', ')}, or a mapping with source, ssm_parameter or search`,
});

/** What registry images must meet for this template; command-line flags override each key. */
export const amiPolicySchema = z.strictObject({
  min_rating: z.number().min(0).max(5).optional(),
  verified_only: z.boolean().optional(),
  /** The highest scan severity (of findings not accepted by an exception) the template tolerates. */
  max_severity: severity.optional(),
  /** warn (default): resolve and say what was found; block: pass over images above max_severity. */
  severity_mode: z.enum(['warn', 'block']).optional(),
  /** With block: take images that have no complete scan (false, the default, refuses them). */
  allow_unscanned: z.boolean().optional(),
  /** Images built on a revoked image: warn (default), or block them like revoked ones. */
  revoked_lineage: z.enum(['warn', 'block']).optional(),
});
export type AmiPolicy = z.infer<typeof amiPolicySchema>;

export const amiConfigSchema = z.strictObject({
  strategy: z.enum(STRATEGIES).default('ami_preferred'),
  /** Pinned images: region -> architecture -> ami id. */
  ami_mappings: z.record(region, z.partialRecord(architecture, amiId)).optional(),
  ami_search: amiSearchSchema.optional(),
  /** What happens when no image is found: provision from the base image with the setup script, or fail. */
  fallback_strategy: z.enum(['script', 'fail']).default('script'),
  /** How long script provisioning may take before a launch gives up. */
  fallback_timeout: duration.optional(),
  preferred_architecture: architecture.optional(),
  /** May `cws ami resolve` copy an image found in another region (CopyImage, billed to you)? */
  allow_cross_region_copy: z.boolean().default(false),
  policy: amiPolicySchema.optional(),
  /** Registry images only from this channel of a listing (stable, beta ...): the version its owner points it at. */
  channel: z
    .string()
    .regex(CHANNEL_PATTERN, 'must be a channel name: 1-32 lowercase letters, digits or -, starting with a letter')
    .optional(),
});
export type AmiConfig = z.infer<typeof amiConfigSchema>;

const validationTest = z.strictObject({
  name: z.string().min(1),
  command: z.string().min(1),
  expected: z.string().optional(),
  expected_contains: z.string().optional(),
});

const cost = z.number().nonnegative('must be 0 or more');

export const templateSchema = z
  .strictObject({
    /** The template's id, the key registries use: python-ml, r-research ... */
    name: z.string().regex(SLUG_PATTERN, 'must be an id such as python-ml: lowercase letters, digits and . _ -'),
    display_name: z.string().min(1).optional(),
    description: z.string().default(''),
    category: z
      .string()
      .regex(SLUG_PATTERN, 'must be lowercase letters, digits and . _ - (e.g. machine-learning)')
      .optional(),
    version: z.string().optional(),
    base_image: baseImage.default('ubuntu-24.04'),
    architectures: z.array(architecture).min(1, 'needs at least one architecture').default(['x86_64']),
    /** Regions the template is meant for; also where the cross-region tier looks. */
    regions: z.array(region).optional(),
    ami_config: amiConfigSchema.default({
      strategy: 'ami_preferred',
      fallback_strategy: 'script',
      allow_cross_region_copy: false,
    }),
    setup_script: z.string().optional(),
    /** A guess at how long the setup script runs, for launch estimates. */
    estimated_setup_time: duration.optional(),
    ports: z.array(z.number().int().min(1).max(65535, 'ports are 1-65535')).default([22]),
    validation_tests: z.array(validationTest).default([]),
    estimated_cost_per_hour: z.union([cost, z.partialRecord(architecture, cost)]).optional(),
    tags: z.array(z.string()).optional(),
    /** Written by `cws save`: where the image came from. */
    saved_from: z
      .strictObject({
        instance: z.string(),
        instance_id: z.string(),
        region: z.string(),
        original_template: z.string(),
        saved_by: z.string().optional(),
        saved_at: z.string(),
        save_id: z.string().optional(),
        /** The image the saved instance was launched from, and the registry listing@version it came from. */
        parent_ami: z.string().optional(),
        parent_listing: z.string().optional(),
      })
      .optional(),
  })
  .superRefine((t, ctx) => {
    const archs = new Set(t.architectures);
    const preferred = t.ami_config.preferred_architecture;
    if (preferred && !archs.has(preferred)) {
      ctx.addIssue({
        code: 'custom',
        path: ['ami_config', 'preferred_architecture'],
        message: `${preferred} is not one of the template's architectures (${t.architectures.join(', ')})`,
      });
    }
    for (const [r, byArch] of Object.entries(t.ami_config.ami_mappings ?? {})) {
      for (const arch of Object.keys(byArch)) {
        if (!archs.has(arch as 'x86_64' | 'arm64')) {
          ctx.addIssue({
            code: 'custom',
            path: ['ami_config', 'ami_mappings', r, arch],
            message: `${arch} is not one of the template's architectures (${t.architectures.join(', ')})`,
          });
        }
      }
    }
  });
export type Template = z.infer<typeof templateSchema>;

/** Parses "90s", "20m", "1.5h" into seconds. */
export function durationSeconds(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h)$/.exec(text);
  if (!m) return Number.NaN;
  const unit = m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1;
  return Math.round(Number(m[1]) * unit);
}
