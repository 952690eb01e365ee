import type { Architecture, ExcludedImage, Severity } from '@cws/shared';
import type { Strategy } from '../templates/schema.js';
import type { StatusCheck } from './status.js';

export const RESOLUTION_METHODS = [
  'direct_mapping',
  'registry',
  'dynamic_search',
  'cross_region',
  'script_fallback',
] as const;
export type ResolutionMethod = (typeof RESOLUTION_METHODS)[number];

/** `status_check`: the registries' revocation check of the image a tier found. */
export type TierName = ResolutionMethod | 'status_check';

/**
 * - `selected`: this tier produced the answer;
 * - `not_found`: the tier looked and had nothing;
 * - `skipped`: the tier did not apply (no mappings, strategy, no registries ...);
 * - `rejected`: the tier had an image the policy refused;
 * - `found_not_copied`: an image exists in another region, but copying was not allowed;
 * - `passed`: the status check found nothing against the image;
 * - `error`: the tier failed (registry down, slow, garbage, 429; AWS error); resolution went on.
 */
export type TierOutcome = 'selected' | 'not_found' | 'skipped' | 'rejected' | 'found_not_copied' | 'passed' | 'error';

export interface ChainEntry {
  tier: TierName;
  /** The registry's name for registry entries; the region searched for cross-region entries. */
  name?: string;
  outcome: TierOutcome;
  detail: string;
  ms: number;
  /** --explain, registry tier: better-ranked images that registry's policy passed over, and why. */
  excluded?: ExcludedImage[];
}

export interface ImageSource {
  type: 'template' | 'registry' | 'ec2' | 'ssm';
  /** Template file, registry name, or "ec2:DescribeImages" / SSM parameter name. */
  name: string;
  url?: string;
  listing?: string;
  version?: string;
  /** The channel of the listing the version was taken from. */
  channel?: string;
  owner?: string;
  image_name?: string;
  source_region?: string;
  source_ami_id?: string;
  cached?: boolean;
  stale?: boolean;
  cached_at?: string;
}

export interface CopyInfo {
  source_region: string;
  source_ami_id: string;
  size_gib: number;
  estimated_seconds: number;
  estimated_cost_usd: number;
  /** True when the copy was started; false when it was found but copying was not allowed. */
  started: boolean;
}

export interface UserDataInfo {
  present: boolean;
  bytes: number;
  sha256: string | null;
  /** The setup script, base64-encoded as RunInstances expects it. */
  base64: string | null;
}

export interface ResolveOutput {
  template: string;
  ami_id: string;
  region: string;
  architecture: Architecture;
  strategy: Strategy;
  resolution_method: ResolutionMethod;
  source: ImageSource;
  fallback_chain: ChainEntry[];
  /** All warnings joined, or null; `warnings` has them one by one. */
  warning: string | null;
  warnings: string[];
  estimated_launch_seconds: number;
  stale: boolean;
  copy: CopyInfo | null;
  user_data: UserDataInfo | null;
  /** The registries' revocation check of the returned image (the setup script's base image included); null: not checked. */
  status_check: StatusCheck | null;
  /** cws launch OWNER/NAME: the listing the image had to come from (pinned.ts); absent otherwise. */
  pinned_listing?: string;
}

export interface ResolvePolicy {
  min_rating?: number | undefined;
  verified_only?: boolean | undefined;
  max_severity?: Severity | undefined;
  /** Images built on a revoked image: warned about (default) or refused, like a revoked one. */
  revoked_lineage?: 'warn' | 'block' | undefined;
  /** With max_severity: warn (default) or block. */
  severity_mode?: 'warn' | 'block' | undefined;
  /** With max_severity in block mode: take images without a complete scan. */
  allow_unscanned?: boolean | undefined;
}
