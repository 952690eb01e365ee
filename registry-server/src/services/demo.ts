import { amiId, type ImportResult, region, severity, version } from '@cws/shared';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Cache } from '../cache/cache.js';
import type { Database } from '../db/database.js';
import * as listings from '../db/queries/listings.js';
import { insertScan, markNewFinding } from '../db/queries/scans.js';
import { setVersionTemplate } from '../db/queries/templates.js';
import { ensureUser } from '../db/queries/users.js';
import {
  insertVerifications,
  refreshListingVerified,
  regionsOfVersion,
  updateRegion,
} from '../db/queries/verifications.js';
import { ValidationError } from '../errors.js';
import type { ImportService } from './import.js';
import { parseIndex } from './import.js';
import type { RatingService } from './ratings.js';
import { checkPublishedTemplate } from './templates.js';

const ref = z.string().regex(/^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*$/, 'OWNER/NAME');
const finding = z.strictObject({
  id: z.string().min(1),
  severity,
  package: z.string().optional(),
  installed: z.string().optional(),
  fixed: z.string().optional(),
  title: z.string().min(1),
  exploit: z.boolean().optional(),
});
type Finding = z.infer<typeof finding>;

/** data/demo-activity.yaml: what the demo catalogue looks like after some use. */
export const demoActivity = z.strictObject({
  history: z
    .record(
      ref,
      z.array(
        z.strictObject({
          version,
          status: z.enum(['active', 'deprecated', 'revoked']),
          reason: z.string().optional(),
          changelog: z.string().optional(),
          regions: z.record(region, amiId),
        }),
      ),
    )
    .default({}),
  ratings: z
    .record(
      ref,
      z.array(
        z.strictObject({ user: z.string(), stars: z.number().int().min(1).max(5), review: z.string().optional() }),
      ),
    )
    .default({}),
  downloads: z.record(ref, z.number().int().min(0)).default({}),
  verified: z.array(ref).default([]),
  failed: z.record(ref, z.record(region, z.string())).default({}),
  scans: z
    .record(
      ref,
      z.strictObject({
        region: region.optional(),
        before: z.array(finding).optional(),
        findings: z.array(finding).default([]),
        failed: z.string().optional(),
      }),
    )
    .default({}),
});
export type DemoActivity = z.infer<typeof demoActivity>;

export interface DemoFiles {
  /** demo-index.yaml: the listings (seed 004's index shape). */
  index: string;
  /** demo-activity.yaml. */
  activity: string;
  /** Template YAML by template name: every demo listing carries the template it is for. */
  templates: Record<string, string>;
}

export interface DemoResult extends ImportResult {
  templates: number;
  ratings: number;
  statuses: number;
  scans: number;
}

const DAY = 86_400_000;

/**
 * The demo catalogue of an empty embedded registry: the listings, their templates, older deprecated and revoked
 * versions, ratings with reviews, downloads, verification and scans. Everything is written through the same
 * queries and services as the real thing (ratings through the rating service), so the pages show real states.
 */
export class DemoCatalogue {
  constructor(
    private readonly database: Database,
    private readonly cache: Cache,
    private readonly importer: ImportService,
    private readonly ratings: RatingService,
  ) {}

  async load(files: DemoFiles, now = Date.now()): Promise<DemoResult> {
    const index = parseIndex(files.index, 'demo index');
    const activity = parseActivity(files.activity);
    const creators = new Map<string, { template: string; creator: string }>();
    for (const [template, entries] of Object.entries(index)) {
      const yaml = files.templates[template];
      if (yaml === undefined) throw new ValidationError(`the demo catalogue has no template ${template}`);
      checkPublishedTemplate(yaml, template, `demo template ${template}`);
      for (const [name, entry] of Object.entries(entries)) {
        creators.set(`${entry.creator}/${entry.name ?? name}`, { template, creator: entry.creator });
      }
    }
    // Older versions first: versions are listed newest (highest id) first.
    const imported: ImportResult[] = [];
    for (const [listingRef, versions] of Object.entries(activity.history)) {
      const owner = creators.get(listingRef);
      if (!owner) throw new ValidationError(`demo history names ${listingRef}, which the demo index does not list`);
      const name = listingRef.split('/')[1]!;
      for (const v of versions) {
        const current = index[owner.template]![name]!;
        const r = await this.importer.import(
          {
            [owner.template]: {
              [name]: {
                ...current,
                version: v.version,
                changelog: v.changelog,
                regions: v.regions,
                versions: undefined,
              },
            },
          },
          null,
        );
        imported.push(r);
      }
    }
    imported.push(await this.importer.import(index, null));
    const result = sumImports(imported);
    const extra = { templates: 0, ratings: 0, statuses: 0, scans: 0 };
    await this.database.transaction(async (trx) => {
      for (const [listingRef, { template }] of creators) {
        const [owner, name] = listingRef.split('/') as [string, string];
        const listing = await listings.findListing(trx, owner, name);
        if (!listing) continue;
        const versions = await listings.listVersions(trx, listing.id);
        for (const v of versions) {
          await setVersionTemplate(trx, v.id, files.templates[template]!);
          extra.templates += 1;
          const old = activity.history[listingRef]?.find((h) => h.version === v.version);
          if (old && old.status !== 'active') {
            await listings.setVersionStatus(trx, v.id, old.status, old.reason ?? null);
            extra.statuses += 1;
          }
        }
        const current = versions.find((v) => v.status === 'active') ?? versions[0];
        if (!current) continue;
        const downloads = activity.downloads[listingRef] ?? 0;
        if (downloads > 0) {
          await listings.addDownloads(trx, new Map([[listing.id, downloads]]), new Map([[current.id, downloads]]));
        }
        const regions = await regionsOfVersion(trx, current.id);
        // Listed under verified: every region verified. Listed under failed: those regions failed, the others
        // verified. Neither: left unverified ("not verified yet").
        const failed = activity.failed[listingRef];
        const checked = activity.verified.includes(listingRef) || failed !== undefined;
        for (const r of checked ? regions : []) {
          const failure = failed?.[r.region];
          const status = failure === undefined ? 'verified' : 'failed';
          const reason = failure ?? null;
          await updateRegion(trx, r.id, {
            verification_status: status,
            verification_reason: reason,
            last_verified_at: new Date(now - DAY),
            ...(status === 'failed' ? { state: 'unavailable' as const } : { owner_account: '123456789012' }),
          });
          await insertVerifications(trx, [
            { region_image_id: r.id, status, reason, details: { demo: 'made-up image: nothing was checked in EC2' } },
          ]);
        }
        await refreshListingVerified(trx, listing.id);
        const scan = activity.scans[listingRef];
        const target = regions.find((r) => r.region === (scan?.region ?? 'us-east-1')) ?? regions[0];
        if (!scan || !target) continue;
        const store = (findings: Finding[], at: number, failure?: string) =>
          insertScan(trx, {
            region_image_id: target.id,
            scanner: failure ? 'none' : 'ec2-image-findings',
            status: failure ? 'failed' : 'complete',
            reason: failure ?? null,
            started_at: new Date(at),
            scanned_at: new Date(at),
            job_id: null,
            findings: findings.map((f) => ({
              vulnerability_id: f.id,
              severity: f.severity,
              inspector_score: null,
              package_name: f.package ?? null,
              installed_version: f.installed ?? null,
              fixed_version: f.fixed ?? null,
              fix_available: f.fixed !== undefined,
              exploit_available: f.exploit ?? null,
              title: f.title,
              first_observed_at: new Date(at),
            })),
          });
        if (scan.before) {
          await store(scan.before, now - 8 * DAY);
          extra.scans += 1;
        }
        await store(scan.findings, now - DAY, scan.failed);
        extra.scans += 1;
        const severe = (f: Finding) => f.severity === 'critical' || f.severity === 'high';
        const beforeIds = new Set((scan.before ?? []).filter(severe).map((f) => f.id));
        if (scan.before && scan.findings.some((f) => severe(f) && !beforeIds.has(f.id))) {
          await markNewFinding(trx, listing.id);
        }
      }
    });
    // Ratings through the rating service: its rules (not the publisher's own listing) and its aggregates.
    for (const [listingRef, entries] of Object.entries(activity.ratings)) {
      const [owner, name] = listingRef.split('/') as [string, string];
      for (const r of entries) {
        const { user } = await ensureUser(this.database.db, r.user);
        await this.ratings.rateListing(
          { userId: Number(user.id), handle: user.handle, role: 'user', scopes: ['rate'], tokenId: 0 },
          owner,
          name,
          { rating: r.stars, ...(r.review ? { review: r.review } : {}) },
        );
        extra.ratings += 1;
      }
    }
    await this.cache.invalidate('import');
    return { ...result, ...extra };
  }
}

function sumImports(results: ImportResult[]): ImportResult {
  const sum: ImportResult = {
    users_created: 0,
    listings_created: 0,
    versions_created: 0,
    regions_added: 0,
    unchanged: 0,
    conflicts: [],
  };
  for (const r of results) {
    sum.users_created += r.users_created;
    sum.listings_created += r.listings_created;
    sum.versions_created += r.versions_created;
    sum.regions_added += r.regions_added;
    sum.unchanged += r.unchanged;
    sum.conflicts.push(...r.conflicts);
  }
  return sum;
}

export function parseActivity(text: string): DemoActivity {
  const parsed = demoActivity.safeParse(parseYaml(text));
  if (!parsed.success) {
    throw new ValidationError(
      `demo activity: ${parsed.error.issues
        .slice(0, 10)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data;
}
