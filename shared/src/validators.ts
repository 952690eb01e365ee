import * as z from 'zod';
import { SEVERITIES } from './severities.js';

/** EC2 image ids: the old 8-hex form and the current 17-hex form. */
export const AMI_ID_PATTERN = /^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
/** AWS region names: us-east-1, eu-central-2, us-gov-west-1, ap-southeast-5, il-central-1 ... */
export const REGION_PATTERN =
  /^[a-z]{2}(?:-gov|-iso|-isob|-isof|-isoe)?-(?:central|north|south|east|west|northeast|northwest|southeast|southwest)-[1-9][0-9]?$/;
export const HANDLE_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,37}[a-z0-9])?$/;
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;
export const VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;
export const AWS_ACCOUNT_PATTERN = /^[0-9]{12}$/;
/** Channel names of a listing: stable, beta, lts-2026 ... */
export const CHANNEL_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

export const amiId = z
  .string()
  .regex(AMI_ID_PATTERN, 'must be an EC2 image id such as ami-0123456789abcdef0 (ami- and 8 or 17 hex digits)');
export const region = z.string().regex(REGION_PATTERN, 'must be an AWS region name such as us-east-1');
export const ARCHITECTURES = ['x86_64', 'arm64'] as const;
export const architecture = z.enum(ARCHITECTURES, { error: 'must be x86_64 or arm64' });
export type Architecture = z.infer<typeof architecture>;
export const handle = z.string().regex(HANDLE_PATTERN, 'must be 1-39 lowercase letters, digits or inner hyphens');
export const slug = z
  .string()
  .regex(SLUG_PATTERN, 'must start with a lowercase letter or digit and use only a-z 0-9 . _ - (max 100)');
export const templateName = slug;
export const listingName = slug;
export const version = z
  .string()
  .regex(VERSION_PATTERN, 'must be a version such as 1.0.0 (letters, digits, . + _ -; max 64)');
export const channelName = z
  .string()
  .regex(CHANNEL_PATTERN, 'channel names are 1-32 lowercase letters, digits or -, starting with a letter');
export const awsAccountId = z.string().regex(AWS_ACCOUNT_PATTERN, 'must be a 12-digit AWS account id');

export { isSeverity, SEVERITIES, SEVERITIES_HIGHEST_FIRST, type Severity, severityRank } from './severities.js';
export const severity = z.enum(SEVERITIES);

export const VERSION_STATUSES = ['active', 'deprecated', 'revoked'] as const;
export const versionStatus = z.enum(VERSION_STATUSES);
export type VersionStatus = z.infer<typeof versionStatus>;

/** org: members of the owning organisation; private: the publisher and the organisation's admins. */
export const VISIBILITIES = ['public', 'unlisted', 'org', 'private'] as const;
export const visibility = z.enum(VISIBILITIES);
export type Visibility = z.infer<typeof visibility>;

export const ROLES = ['user', 'maintainer', 'admin'] as const;
export const role = z.enum(ROLES);
export type Role = z.infer<typeof role>;

/** What a token may do. A token can only mint tokens with a subset of its own scopes. */
export const SCOPES = ['rate', 'publish', 'admin'] as const;
export const scope = z.enum(SCOPES);
export type Scope = z.infer<typeof scope>;

export const tag = z
  .string()
  .regex(/^[a-z0-9][a-z0-9+.#-]{0,39}$/, 'tags are 1-40 lowercase letters, digits or + . # -');

/** Query-string booleans: only the words true and false. */
export const queryBoolean = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .transform((v) => v === 'true');

/** "owner/name" reference to a listing. */
export const listingRef = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,37}[a-z0-9])?\/[a-z0-9][a-z0-9._-]{0,99}$/, 'must be OWNER/NAME');

export function parseListingRef(ref: string): { owner: string; name: string } | null {
  const parsed = listingRef.safeParse(ref);
  if (!parsed.success) return null;
  const [owner, name] = parsed.data.split('/') as [string, string];
  return { owner, name };
}

/**
 * Whether the origin of `url` is on an STS allow-list (`https://sts.amazonaws.com`, `https://sts.*.amazonaws.com`);
 * `*` in an entry matches one DNS label. The registry checks proofs with it; the CLI checks before signing one.
 */
export function stsOriginAllowed(url: URL, allowList: readonly string[]): boolean {
  const origin = `${url.protocol}//${url.host}`.toLowerCase();
  return allowList.some((entry) => {
    const pattern = entry
      .toLowerCase()
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[a-z0-9-]+');
    return new RegExp(`^${pattern}$`).test(origin);
  });
}
