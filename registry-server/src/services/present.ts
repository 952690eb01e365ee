import {
  type Lineage,
  type ListingSummary,
  type RegionImage,
  type RevokedAncestor,
  type ScanInfo,
  SEVERITIES_HIGHEST_FIRST,
  type VersionDetail,
  versionHygiene,
  versionTestReport,
} from '@cws/shared';
import type { RegionScanRow } from '../db/queries/listings.js';
import type { RevokedAncestor as AncestorRow } from '../db/queries/trust.js';
import type { ImagesTable } from '../db/tables/images.js';

/** Shapes database rows into the API types of @cws/shared. */

export const iso = (d: Date | string | null | undefined): string | null =>
  d == null ? null : (d instanceof Date ? d : new Date(d)).toISOString();

export const round2 = (n: number) => Math.round(Number(n) * 100) / 100;

type ScanColumns = {
  scanner: string | null;
  scan_status: string | null;
  scan_reason?: string | null;
  critical: number | null;
  high: number | null;
  medium: number | null;
  low: number | null;
  informational: number | null;
  scanned_at: Date | null;
};

export function toScan(row: ScanColumns): ScanInfo | null {
  if (!row.scanner || !row.scan_status || !row.scanned_at) return null;
  const counts = {
    critical: Number(row.critical ?? 0),
    high: Number(row.high ?? 0),
    medium: Number(row.medium ?? 0),
    low: Number(row.low ?? 0),
    informational: Number(row.informational ?? 0),
  };
  return {
    scanner: row.scanner,
    status: row.scan_status as ScanInfo['status'],
    reason: row.scan_reason ?? null,
    counts,
    highest: SEVERITIES_HIGHEST_FIRST.find((s) => counts[s] > 0) ?? null,
    scanned_at: iso(row.scanned_at)!,
  };
}

/** Start of the reason shown on images nobody could check because the registry has no AWS access. */
export const NO_AWS_PREFIX = 'not verified: the registry has no AWS access';

/**
 * `noAws`: why this registry cannot verify (null when it can). It is rendered here, at read
 * time, for every image never checked, rather than written into each region row at start-up.
 */
export function toVerification(
  row: {
    verification_status: string;
    verification_reason: string | null;
    last_verified_at: Date | null;
  },
  noAws: string | null = null,
) {
  const stored = row.verification_reason;
  const neverChecked = row.verification_status === 'unverified' && row.last_verified_at === null;
  // Reasons written by versions that stored the no-AWS text in the row follow the current state.
  const reason = neverChecked && (stored === null || stored.startsWith(NO_AWS_PREFIX)) ? noAws : stored;
  return {
    status: row.verification_status as 'unverified' | 'verified' | 'failed',
    reason:
      reason ??
      (row.verification_status === 'unverified'
        ? 'not verified yet: the registry has not checked this image in EC2'
        : null),
    checked_at: iso(row.last_verified_at),
  };
}

export function toRegionImage(row: RegionScanRow, noAws: string | null = null): RegionImage {
  return {
    region: row.region,
    architecture: row.architecture,
    ami_id: row.ami_id,
    owner_account: row.owner_account,
    state: row.state,
    owner_checked: row.verification_status === 'verified',
    verification: toVerification(row, noAws),
    scan: toScan(row),
  };
}

export function toVersion(
  v: {
    id: number;
    version: string;
    status: VersionDetail['status'];
    status_reason: string | null;
    changelog: string | null;
    source_template: string | null;
    template_yaml?: string | null;
    parent_ami: string | null;
    created_by_handle: string;
    created_at: Date;
    download_count: number;
    test_report?: unknown;
    hygiene?: unknown;
    launch_count: number;
    parent_listing: string | null;
  },
  regions: RegionScanRow[],
  noAws: string | null = null,
  lineage: Lineage = {
    parent_ami: v.parent_ami,
    parent_listing: v.parent_listing,
    parent: null,
    revoked_ancestor: null,
  },
): VersionDetail {
  return {
    version: v.version,
    status: v.status,
    status_reason: v.status_reason,
    changelog: v.changelog,
    source_template: v.source_template,
    has_template: Boolean(v.template_yaml),
    parent_ami: v.parent_ami,
    created_by: v.created_by_handle,
    created_at: iso(v.created_at)!,
    download_count: Number(v.download_count),
    launch_count: Number(v.launch_count),
    lineage,
    regions: regions.filter((r) => r.version_id === v.id).map((r) => toRegionImage(r, noAws)),
    test_report: storedJson(versionTestReport, v.test_report),
    hygiene: storedJson(versionHygiene, v.hygiene),
  };
}

/** A JSON column read back through its schema: a row written by an older shape shows as absent, never as a 500. */
function storedJson<S extends { safeParse(v: unknown): { success: boolean; data?: unknown } }>(
  schema: S,
  value: unknown,
): ReturnType<S['safeParse']> extends { data?: infer D } ? Exclude<D, undefined> | null : null {
  if (value == null) return null as never;
  const parsed = schema.safeParse(typeof value === 'string' ? JSON.parse(value) : value);
  return (parsed.success ? parsed.data : null) as never;
}

type ListingColumns = Pick<ImagesTable, 'name' | 'template' | 'category' | 'description' | 'tags' | 'visibility'> & {
  owner: string;
  verified: boolean;
  rating_avg: number;
  rating_count: number;
  download_count: number;
  launch_count: number;
  updated_at: Date;
};

export function toSummary(
  row: ListingColumns,
  extra: { latest_version: string | null; regions: string[]; architectures: string[] },
): ListingSummary {
  return {
    ref: `${row.owner}/${row.name}`,
    owner: row.owner,
    name: row.name,
    template: row.template,
    category: row.category,
    description: row.description,
    tags: row.tags ?? [],
    visibility: row.visibility,
    verified: Boolean(row.verified),
    rating: { average: round2(row.rating_avg), count: Number(row.rating_count) },
    download_count: Number(row.download_count),
    launch_count: Number(row.launch_count),
    latest_version: extra.latest_version,
    regions: extra.regions,
    architectures: extra.architectures,
    updated_at: iso(row.updated_at)!,
  };
}

/** Text a listing is found by: lower-cased, one space between words. */
export function searchDoc(parts: Array<string | null | undefined>): string {
  return parts.filter(Boolean).join(' ').toLowerCase().replace(/\s+/g, ' ').trim().slice(0, 10_000);
}

/** The distinct words of a search document, as typo tolerance knows them. */
export function wordsOf(doc: string): string[] {
  // Letters and digits of every script: a listing described in Japanese is found by its Japanese words.
  return [...new Set(doc.split(/[^\p{L}\p{N}\p{M}]+/u).filter((w) => w.length >= 2 && w.length <= 40))];
}

/** "built on a revoked image: <reason>", with where from. */
export function toRevokedAncestor(a: AncestorRow): RevokedAncestor {
  return {
    listing: a.ref,
    version: a.version,
    ami_id: a.ami_id,
    reason: a.reason,
    generations: a.depth,
    message: `built on a revoked image: ${a.reason ?? 'no reason given'} (${a.ami_id}, ${a.ref}@${a.version}${a.depth > 1 ? `, ${a.depth} generations up` : ''})`,
  };
}
