import {
  checkTemplate,
  type ExportPage,
  type ExportVersion,
  exportPage,
  type MirrorResult,
  type RegistryIndex,
} from '@cws/shared';
import type { Logger } from 'pino';
import type { Cache } from '../cache/cache.js';
import type { Database, Db } from '../db/database.js';
import { audit } from '../db/queries/audit.js';
import * as q from '../db/queries/listings.js';
import * as m from '../db/queries/mirror.js';
import { setVersionTemplate } from '../db/queries/templates.js';
import { findUserByHandle } from '../db/queries/users.js';
import { UpstreamError } from '../errors.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { createVersion } from './listings.js';
import { iso, searchDoc, wordsOf } from './present.js';

const MAX_PAGES = 1000;
const PAGE_TIMEOUT_MS = 30_000;
const MAX_PAGE_BYTES = 20 * 1024 * 1024;

type Entry = RegistryIndex[string][string];

/** GET /api/v1/export: this registry's own public catalogue, paged, in the index shape. */
export class ExportService {
  constructor(
    private readonly database: Database,
    private readonly registry: { id: string; url: string | null },
  ) {}

  async page(limit: number, cursor?: string): Promise<ExportPage> {
    const db = this.database.db;
    const after = cursor === undefined ? undefined : decodeCursor(cursor, (v): v is number => Number.isInteger(v));
    const rows = await m.exportListings(db, after, limit + 1);
    const page = rows.slice(0, limit);
    const versions = await m.versionsOf(
      db,
      page.map((r) => r.id),
    );
    const regions = await q.listRegionsWithScans(
      db,
      versions.map((v) => v.id),
    );
    const index: RegistryIndex = {};
    for (const row of page) {
      const mine: ExportVersion[] = versions
        .filter((v) => Number(v.image_id) === Number(row.id))
        .map((v) => ({
          version: v.version,
          status: v.status,
          status_reason: v.status_reason,
          changelog: v.changelog,
          created_at: iso(v.created_at)!,
          template_yaml: v.template_yaml,
          regions: regions
            .filter((r) => Number(r.version_id) === Number(v.id))
            .map((r) => ({
              region: r.region,
              architecture: r.architecture,
              ami_id: r.ami_id,
              owner_account: r.owner_account,
              verification: {
                status: r.verification_status,
                reason: r.verification_reason,
                checked_at: iso(r.last_verified_at),
              },
              scan:
                r.scanner && r.scan_status && r.scanned_at
                  ? {
                      scanner: r.scanner,
                      status: r.scan_status as 'pending' | 'complete' | 'failed',
                      counts: {
                        critical: Number(r.critical ?? 0),
                        high: Number(r.high ?? 0),
                        medium: Number(r.medium ?? 0),
                        low: Number(r.low ?? 0),
                        informational: Number(r.informational ?? 0),
                      },
                      scanned_at: iso(r.scanned_at)!,
                    }
                  : null,
            })),
        }));
      // The seed's top-level fields describe the newest live version in its first architecture.
      const head = mine.find((v) => v.status !== 'revoked' && v.regions.length > 0) ?? mine[0];
      if (!head || head.regions.length === 0) continue;
      const arch = head.regions.some((r) => r.architecture === 'x86_64') ? 'x86_64' : head.regions[0]!.architecture;
      index[row.template] ??= {};
      const byTemplate = index[row.template]!;
      const key = row.name in byTemplate ? `${row.name}.${row.owner}` : row.name;
      byTemplate[key] = {
        name: row.name,
        version: head.version,
        creator: row.owner,
        description: row.description,
        architecture: arch,
        regions: Object.fromEntries(
          head.regions.filter((r) => r.architecture === arch).map((r) => [r.region, r.ami_id]),
        ),
        ...(row.category ? { category: row.category } : {}),
        ...(row.tags.length > 0 ? { tags: row.tags } : {}),
        ...(head.changelog ? { changelog: head.changelog } : {}),
        ratings: { average: Number(row.rating_avg), count: Number(row.rating_count) },
        download_count: Number(row.download_count),
        last_updated: iso(row.updated_at),
        verification: head.regions.some((r) => r.verification.status === 'verified') ? 'verified' : 'unverified',
        versions: mine,
      };
    }
    return {
      registry: this.registry,
      generated_at: new Date().toISOString(),
      index,
      next_cursor: rows.length > limit ? encodeCursor(Number(page[page.length - 1]!.id)) : null,
    };
  }
}

/**
 * Imports another registry's export: listings from it are marked with its URL (their origin)
 * and owned by accounts marked the same way. A local listing or account of the same name is
 * never touched (reported as a conflict). Idempotent: a second run with nothing new upstream
 * changes nothing. Revocations and deprecations upstream are carried over; a revocation here
 * is never undone.
 */
export class MirrorService {
  constructor(
    private readonly database: Database,
    private readonly cache: Cache,
    private readonly logger: Logger,
  ) {}

  async run(url: string, token: string | null = null, actorId: number | null = null): Promise<MirrorResult> {
    const origin = new URL(url).origin + new URL(url).pathname.replace(/\/+$/, '');
    const result: MirrorResult = {
      origin,
      pages: 0,
      listings_seen: 0,
      users_created: 0,
      listings_created: 0,
      listings_updated: 0,
      versions_created: 0,
      regions_added: 0,
      statuses_changed: 0,
      unchanged: 0,
      conflicts: [],
    };
    let cursor: string | null = null;
    do {
      const page = await this.#fetch(origin, cursor, token);
      result.pages += 1;
      await this.database.transaction(async (trx) => {
        for (const [template, listings] of Object.entries(page.index)) {
          for (const [key, entry] of Object.entries(listings)) {
            result.listings_seen += 1;
            await this.#mirrorOne(trx, origin, template, entry.name ?? key, entry, result);
          }
        }
      });
      cursor = page.next_cursor;
    } while (cursor !== null && result.pages < MAX_PAGES);
    await audit(this.database.db, {
      actor_id: actorId,
      action: 'mirror.run',
      target: origin,
      details: { ...result, conflicts: result.conflicts.length },
    });
    await this.cache.invalidate('mirror');
    this.logger.info({ ...result, conflicts: result.conflicts.length }, 'mirror run done');
    return result;
  }

  async #fetch(origin: string, cursor: string | null, token: string | null): Promise<ExportPage> {
    const url = new URL(`${origin}/api/v1/export`);
    url.searchParams.set('limit', '200');
    if (cursor) url.searchParams.set('cursor', cursor);
    let text: string;
    try {
      const res = await fetch(url, {
        headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        signal: AbortSignal.timeout(PAGE_TIMEOUT_MS),
        redirect: 'error',
      });
      if (!res.ok) throw new UpstreamError(`${url.origin} answered ${res.status} to GET /api/v1/export`);
      text = await res.text();
    } catch (err) {
      if (err instanceof UpstreamError) throw err;
      throw new UpstreamError(`could not read ${url.origin}/api/v1/export: ${(err as Error).message}`);
    }
    if (text.length > MAX_PAGE_BYTES) throw new UpstreamError('the export page is larger than 20 MB');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new UpstreamError(`${url.origin}/api/v1/export did not answer JSON`);
    }
    const parsed = exportPage.safeParse(raw);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new UpstreamError(`the export of ${url.origin} is not valid: ${first?.path.join('.')}: ${first?.message}`);
    }
    return parsed.data;
  }

  async #mirrorOne(trx: Db, origin: string, template: string, name: string, entry: Entry, r: MirrorResult) {
    const ref = `${entry.creator}/${name}`;
    let owner = await findUserByHandle(trx, entry.creator);
    if (owner && owner.origin !== origin) {
      r.conflicts.push(
        `${ref}: ${entry.creator} is ${owner.origin ? `mirrored from ${owner.origin}` : 'a local account'} here; left alone`,
      );
      return;
    }
    if (!owner) {
      owner = await m.insertMirrorAccount(trx, entry.creator, origin);
      r.users_created += 1;
    }
    const doc = searchDoc([entry.creator, name, template, entry.category, entry.description, ...(entry.tags ?? [])]);
    const versions: ExportVersion[] = entry.versions ?? [
      {
        version: entry.version,
        status: 'active',
        status_reason: null,
        changelog: entry.changelog ?? null,
        created_at: new Date().toISOString(),
        regions: Object.entries(entry.regions).map(([region, ami_id]) => ({
          region,
          architecture: entry.architecture,
          ami_id,
          verification: { status: 'unverified' as const, reason: null, checked_at: null },
          scan: null,
        })),
      },
    ];
    // As the registry computes it for its own listings: every region of the newest active version verified.
    const newest = versions.find((v) => v.status === 'active');
    const verified = Boolean(
      newest && newest.regions.length > 0 && newest.regions.every((x) => x.verification.status === 'verified'),
    );
    let listing = await q.findListing(trx, entry.creator, name);
    let changed = false;
    if (listing && listing.origin !== origin) {
      r.conflicts.push(`${ref}: a local listing has this name; left alone`);
      return;
    }
    if (!listing) {
      const { id } = await q.insertListing(trx, {
        owner_id: owner.id,
        created_by: owner.id,
        name,
        template,
        category: entry.category ?? null,
        description: entry.description,
        visibility: 'public',
        tags: entry.tags ?? [],
        search_doc: doc,
      });
      await m.markMirrored(trx, id, origin);
      await q.addSearchWords(trx, wordsOf(doc));
      listing = (await q.findListing(trx, entry.creator, name))!;
      r.listings_created += 1;
    } else if (
      listing.description !== entry.description ||
      listing.category !== (entry.category ?? null) ||
      listing.tags.join(' ') !== (entry.tags ?? []).join(' ') ||
      listing.verified !== verified
    ) {
      await m.updateMirroredListing(trx, listing.id, {
        description: entry.description,
        category: entry.category ?? null,
        tags: entry.tags ?? [],
        search_doc: doc,
        verified,
      });
      await q.addSearchWords(trx, wordsOf(doc));
      r.listings_updated += 1;
      changed = true;
    }
    // Oldest first, so local ids keep the upstream order (newest version = highest id).
    for (const v of [...versions].reverse()) {
      if (await this.#mirrorVersion(trx, listing.id, owner.id, origin, v, r)) changed = true;
    }
    if (versions.length > 0 && listing.verified !== verified) {
      await m.updateMirroredListing(trx, listing.id, {
        description: entry.description,
        category: entry.category ?? null,
        tags: entry.tags ?? [],
        search_doc: doc,
        verified,
      });
    }
    if (!changed) r.unchanged += 1;
  }

  /** Creates or brings up to date one version; true when anything changed. */
  async #mirrorVersion(trx: Db, imageId: number, ownerId: number, origin: string, v: ExportVersion, r: MirrorResult) {
    let changed = false;
    let local = await q.findVersion(trx, imageId, v.version);
    if (!local) {
      if (v.regions.length === 0) return false;
      await createVersion(trx, { id: imageId, owner_id: ownerId }, ownerId, {
        version: v.version,
        changelog: v.changelog ?? undefined,
        template_yaml: mirroredTemplate(v.template_yaml),
        regions: v.regions.map((x) => ({
          region: x.region,
          architecture: x.architecture,
          ami_id: x.ami_id,
          owner_account: x.owner_account ?? undefined,
        })),
      });
      local = (await q.findVersion(trx, imageId, v.version))!;
      r.versions_created += 1;
      r.regions_added += v.regions.length;
      changed = true;
    }
    const template = mirroredTemplate(v.template_yaml);
    if (template !== undefined && local.template_yaml !== template) {
      await setVersionTemplate(trx, local.id, template);
      changed = true;
    }
    if (local.status !== v.status && local.status !== 'revoked') {
      await q.setVersionStatus(trx, local.id, v.status, v.status_reason ?? `${v.status} at ${origin}`);
      r.statuses_changed += 1;
      changed = true;
    }
    const have = await q.listRegionsWithScans(trx, [local.id]);
    const missing = v.regions.filter(
      (x) => !have.some((h) => h.region === x.region && h.architecture === x.architecture),
    );
    if (missing.length > 0) {
      await q.insertRegions(
        trx,
        missing.map((x) => ({
          version_id: local.id,
          region: x.region,
          architecture: x.architecture,
          ami_id: x.ami_id,
          owner_account: x.owner_account ?? null,
        })),
      );
      r.regions_added += missing.length;
      changed = true;
    }
    const rows = missing.length > 0 ? await q.listRegionsWithScans(trx, [local.id]) : have;
    for (const x of v.regions) {
      const row = rows.find((h) => h.region === x.region && h.architecture === x.architecture);
      if (!row || row.ami_id !== x.ami_id) continue;
      // Verification as the origin saw it: this registry does not hold the publisher's account proof.
      const reason = x.verification.reason ?? (x.verification.status === 'verified' ? `verified by ${origin}` : null);
      const at = x.verification.checked_at ? new Date(x.verification.checked_at) : null;
      if (
        row.verification_status !== x.verification.status ||
        row.verification_reason !== reason ||
        iso(row.last_verified_at) !== iso(at)
      ) {
        await m.setRegionVerification(trx, row.id, { status: x.verification.status, reason, at });
        changed = true;
      }
      if (x.scan && (!row.scanned_at || new Date(row.scanned_at).getTime() < new Date(x.scan.scanned_at).getTime())) {
        await m.insertScanSummary(trx, {
          region_image_id: row.id,
          scanner: x.scan.scanner,
          status: x.scan.status,
          counts: x.scan.counts,
          scanned_at: new Date(x.scan.scanned_at),
        });
        changed = true;
      }
    }
    return changed;
  }
}

/** A template from another registry is kept only when it passes the template schema here; else it is left out. */
function mirroredTemplate(yaml: string | null | undefined): string | undefined {
  return yaml && checkTemplate(yaml, 'mirrored template').ok ? yaml : undefined;
}
