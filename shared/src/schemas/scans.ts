import * as z from 'zod';
import { HANDLE_PATTERN, queryBoolean, SLUG_PATTERN } from '../validators.js';
import { amiId, architecture, region, severity, timestamp } from './common.js';
import { severityCounts } from './listings.js';

export const scanRecord = z.object({
  id: z.number().int(),
  region,
  architecture,
  ami_id: amiId,
  scanner: z.string().describe('ec2-image-findings, inspector2, or none when the scan could not run'),
  status: z.enum(['complete', 'failed']),
  reason: z.string().nullable().describe('why a failed scan could not run, and what to do'),
  counts: severityCounts,
  finding_count: z.number().int(),
  started_at: timestamp.nullable(),
  finished_at: timestamp.nullable(),
});
export type ScanRecord = z.infer<typeof scanRecord>;

export const scanJob = z.object({
  job_id: z.number().int(),
  region,
  ami_id: amiId,
  status: z.enum(['queued', 'running']),
  attempt: z.number().int(),
  progress: z.record(z.string(), z.unknown()),
  queued_at: timestamp,
  started_at: timestamp.nullable(),
  last_error: z.string().nullable(),
});

export const scanHistory = z.object({
  listing: z.string(),
  version: z.string(),
  in_progress: z.array(scanJob),
  items: z.array(scanRecord).describe('finished scans, newest first (at most 100)'),
});
export type ScanHistory = z.infer<typeof scanHistory>;

export const findingsQuery = z.strictObject({
  severity: severity.optional().describe('only this severity'),
  min_severity: severity.optional().describe('this severity and above'),
  fix_available: queryBoolean.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z
    .string()
    .regex(/^[0-4]\.[0-9]{1,15}$/, 'cursor is the next_cursor of the previous page')
    .optional(),
});
export type FindingsQuery = z.infer<typeof findingsQuery>;

export const finding = z.object({
  vulnerability_id: z.string(),
  severity,
  inspector_score: z.number().nullable(),
  package_name: z.string().nullable(),
  installed_version: z.string().nullable(),
  fixed_version: z.string().nullable(),
  fix_available: z.boolean(),
  exploit_available: z.boolean().nullable(),
  title: z.string(),
  first_observed_at: timestamp.nullable(),
  region,
  architecture,
  ami_id: amiId,
  url: z.string().describe('the vulnerability at NVD or GitHub'),
  accepted: z
    .object({ reason: z.string(), by: z.string(), expires_at: timestamp, scope: z.enum(['listing', 'registry']) })
    .nullable()
    .describe('an exception accepts this vulnerability until it expires: it does not count against policy'),
});
export type Finding = z.infer<typeof finding>;

export const findingsPage = z.object({
  listing: z.string(),
  version: z.string(),
  items: z.array(finding),
  next_cursor: z.string().nullable(),
});
export type FindingsPage = z.infer<typeof findingsPage>;

export const scanRequestResult = z.object({
  listing: z.string(),
  version: z.string(),
  jobs: z.array(
    z.object({
      region,
      architecture,
      ami_id: amiId,
      job_id: z.number().int(),
      already_queued: z.boolean(),
    }),
  ),
});
export type ScanRequestResult = z.infer<typeof scanRequestResult>;

const listingRef = z
  .string()
  .regex(
    new RegExp(`^${HANDLE_PATTERN.source.slice(1, -1)}/${SLUG_PATTERN.source.slice(1, -1)}$`),
    'must be OWNER/NAME',
  );

/** CVE-2024-6387, GHSA-xxxx-xxxx-xxxx, ALAS2-2024-1234 ...: an advisory id as Inspector reports it. */
export const vulnerabilityId = z
  .string()
  .trim()
  .max(128)
  .regex(/^[A-Za-z][A-Za-z0-9]*-[A-Za-z0-9._:-]+$/, 'must be a vulnerability id such as CVE-2024-6387 or GHSA-…');

/** At most a year: an exception is a decision to look at again, not a way to hide a finding. */
export const EXCEPTION_MAX_DAYS = 365;

export const exceptionBody = z.strictObject({
  vulnerability_id: vulnerabilityId,
  listing: listingRef
    .nullable()
    .default(null)
    .describe('OWNER/NAME; null: the whole registry (a registry maintainer or admin only)'),
  reason: z.string().trim().min(1, 'say why this vulnerability is accepted').max(1000),
  expires_at: z.iso
    .datetime({ offset: true })
    .describe(`when the exception ends (ISO 8601, in the future, at most ${EXCEPTION_MAX_DAYS} days away)`),
});
export type ExceptionBody = z.input<typeof exceptionBody>;

export const exceptionInfo = z.object({
  id: z.number().int(),
  vulnerability_id: z.string(),
  scope: z.enum(['listing', 'registry']),
  listing: z.string().nullable(),
  reason: z.string(),
  author: z.string(),
  created_at: timestamp,
  expires_at: timestamp,
  state: z.enum(['active', 'expired', 'removed']),
  url: z.string().describe('the vulnerability at NVD or GitHub'),
});
export type ExceptionInfo = z.infer<typeof exceptionInfo>;

export const exceptionsQuery = z.strictObject({
  listing: listingRef.optional().describe('this listing’s exceptions and the registry-wide ones'),
  vulnerability_id: vulnerabilityId.optional(),
  all: queryBoolean.optional().describe('true: expired and removed ones too'),
});
export type ExceptionsQuery = z.infer<typeof exceptionsQuery>;

export const exceptionList = z.object({
  items: z.array(exceptionInfo).describe('newest first, at most 500'),
});
export type ExceptionList = z.infer<typeof exceptionList>;
export const exceptionParams = z.strictObject({ id: z.coerce.number().int().positive() });
