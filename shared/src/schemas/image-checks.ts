import * as z from 'zod';
import { amiId, architecture, region, timestamp } from './common.js';

/**
 * What a publisher can tell a registry about the inside of an image: the template's validation tests run on an
 * instance of it (`cws ami test --report`), and the in-image hygiene check `cws ami publish` runs before sharing.
 * Both are reported by the publisher's own client and shown as such: the registry cannot run them itself.
 */
export const testReportBody = z.strictObject({
  region,
  architecture,
  ami_id: amiId,
  tested_at: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }),
  tests: z
    .array(
      z.strictObject({
        name: z.string().trim().min(1).max(200),
        passed: z.boolean(),
        seconds: z.number().int().min(0).max(172800).optional(),
        reason: z.string().max(500).optional(),
      }),
    )
    .min(1, 'a report needs at least one test')
    .max(100),
});
export type TestReportBody = z.infer<typeof testReportBody>;

export const versionTestReport = z.object({
  publisher_reported: z.literal(true),
  reported_by: z.string(),
  reported_at: timestamp,
  tested_at: timestamp,
  region,
  architecture,
  ami_id: amiId,
  passed: z.boolean(),
  total: z.number().int(),
  passed_count: z.number().int(),
  tests: z.array(
    z.object({
      name: z.string(),
      passed: z.boolean(),
      seconds: z.number().int().nullable(),
      reason: z.string().nullable(),
    }),
  ),
});
export type VersionTestReport = z.infer<typeof versionTestReport>;

export const HYGIENE_STATUSES = ['passed', 'findings_accepted', 'skipped'] as const;

/** Sent with a new version by `cws ami publish`; recorded on the version. */
export const hygieneInput = z
  .strictObject({
    status: z.enum(HYGIENE_STATUSES),
    checked_at: z.iso.datetime({ offset: true }).optional(),
    ami_id: amiId.optional(),
    region: region.optional(),
    findings: z
      .array(z.strictObject({ check: z.string().min(1).max(64), file: z.string().max(500) }))
      .max(200)
      .default([]),
    accepted_reason: z.string().trim().min(1).max(1000).optional(),
  })
  .superRefine((h, ctx) => {
    if (h.status === 'findings_accepted' && !h.accepted_reason)
      ctx.addIssue({ code: 'custom', path: ['accepted_reason'], message: 'accepting findings needs a reason' });
    if (h.status === 'findings_accepted' && h.findings.length === 0)
      ctx.addIssue({ code: 'custom', path: ['findings'], message: 'findings_accepted needs the findings' });
    if (h.status === 'passed' && h.findings.length > 0)
      ctx.addIssue({ code: 'custom', path: ['status'], message: 'a check with findings did not pass' });
  });
export type HygieneInput = z.input<typeof hygieneInput>;

export const versionHygiene = z.object({
  publisher_reported: z.literal(true),
  status: z.enum(HYGIENE_STATUSES),
  checked_at: timestamp.nullable(),
  ami_id: z.string().nullable(),
  region: z.string().nullable(),
  findings: z.array(z.object({ check: z.string(), file: z.string() })),
  accepted_reason: z.string().nullable(),
});
export type VersionHygiene = z.infer<typeof versionHygiene>;
