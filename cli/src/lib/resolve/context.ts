import type { RegistryClient } from '@cws/shared';
import type { AwsGateway, ImageQuery } from '../aws/gateway.js';
import type { ResolveCache } from '../cache.js';
import type { AmiSearch, Strategy, Template } from '../templates/schema.js';
import type { StatusCheck } from './status.js';
import type { ChainEntry, CopyInfo, ImageSource, ResolutionMethod, ResolvePolicy, UserDataInfo } from './types.js';

export interface RegistryTarget {
  name: string;
  url: string;
  client: Pick<RegistryClient, 'resolve'>;
}

export interface ResolveRequest {
  template: Template;
  region: string;
  architecture: 'x86_64' | 'arm64';
  strategy: Strategy;
  policy: ResolvePolicy;
  allowCopy: boolean;
  /** --explain: registries list the images their policy passed over. */
  explain?: boolean | undefined;
  /** Registry images only from this channel of a listing (--channel, else the template's ami_config.channel). */
  channel?: string | undefined;
  /** false: the registries are told this is a look, not a download (--dry-run, --explain). */
  count?: boolean | undefined;
  /**
   * `cws launch OWNER/NAME`: only that listing's image, from the registry that serves it (pinned.ts); the tiers
   * that could find another publisher's image are skipped.
   */
  listing?: { ref: string; registry: string } | undefined;
}

/** The AWS calls the resolver makes. */
export type ResolverAws = Pick<AwsGateway, 'findNewestImage' | 'copyImage' | 'getParameter'>;

export interface ResolverDeps {
  aws: ResolverAws;
  registries: RegistryTarget[];
  cache?: ResolveCache | undefined;
  /** Read fresh entries and write answers; the stale fallback also needs this. */
  useCache: boolean;
  cacheTtlMs: number;
  now?: () => number;
  /** Asks the registries whether an image a tier found was revoked or deprecated; absent: no check. */
  statusCheck?: ((amiId: string) => Promise<StatusCheck>) | undefined;
}

export interface Hit {
  ami_id: string;
  method: ResolutionMethod;
  source: ImageSource;
  estimated_launch_seconds: number;
  stale?: boolean;
  copy?: CopyInfo;
  user_data?: UserDataInfo;
}

export interface TierResult {
  entries: ChainEntry[];
  warnings: string[];
  hit?: Hit;
  /** Cross-region: an image that exists elsewhere but was not copied. */
  notCopied?: CopyInfo;
  /** The tier failed because of AWS (credentials, permissions): the final error uses it. */
  awsError?: Error;
}

export function elapsed(start: number): number {
  return Math.round(performance.now() - start);
}

/** DescribeImages names: `{arch}` is Canonical's spelling (amd64/arm64), `{architecture}` EC2's (x86_64/arm64). */
export function expandPattern(pattern: string, architecture: string): string {
  const debArch = architecture === 'x86_64' ? 'amd64' : 'arm64';
  return pattern.replaceAll('{arch}', debArch).replaceAll('{architecture}', architecture);
}

export function searchQuery(search: AmiSearch, architecture: string): ImageQuery {
  return {
    owners: Array.isArray(search.owner) ? search.owner : [search.owner],
    namePattern: expandPattern(search.name_pattern, architecture),
    architecture,
  };
}

export function describeOwners(q: ImageQuery): string {
  return q.owners.join(', ');
}
