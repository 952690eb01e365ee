import * as z from 'zod';
import { amiId, severity, timestamp, version, versionStatus } from './common.js';

// Listing schemas that the resolve and AMI status answers are made of (re-exported by listings.ts): kept apart so
// that checking those two answers builds these few schemas and not every listing schema (the CLI's start-up).

export const verificationInfo = z.object({
  status: z.enum(['unverified', 'verified', 'failed']),
  reason: z.string().nullable(),
  checked_at: timestamp.nullable(),
});
export type VerificationInfo = z.infer<typeof verificationInfo>;

export const severityCounts = z.object({
  critical: z.number().int(),
  high: z.number().int(),
  medium: z.number().int(),
  low: z.number().int(),
  informational: z.number().int(),
});
export type SeverityCounts = z.infer<typeof severityCounts>;

export const scanInfo = z.object({
  scanner: z.string(),
  status: z.enum(['pending', 'running', 'complete', 'failed']),
  reason: z.string().nullable().optional().describe('why the scan failed (failed scans count as not scanned)'),
  counts: severityCounts,
  highest: severity.nullable(),
  scanned_at: timestamp,
});
export type ScanInfo = z.infer<typeof scanInfo>;

/** A version built on a revoked image: the nearest revoked ancestor. */
export const revokedAncestor = z.object({
  listing: z.string().describe('OWNER/NAME of the revoked ancestor'),
  version,
  ami_id: amiId.describe('the revoked image this one descends from'),
  reason: z.string().nullable(),
  generations: z.number().int().describe('1: the parent itself was revoked'),
  message: z.string().describe('"built on a revoked image: <reason>"'),
});
export type RevokedAncestor = z.infer<typeof revokedAncestor>;

export const lineage = z.object({
  parent_ami: amiId.nullable().describe('the image this one was saved from'),
  parent_listing: z.string().nullable().describe('the listing the saver says the parent came from'),
  parent: z
    .object({ listing: z.string(), version, status: versionStatus })
    .nullable()
    .describe('the listing version that holds parent_ami in this registry, if any'),
  revoked_ancestor: revokedAncestor.nullable(),
});
export type Lineage = z.infer<typeof lineage>;
