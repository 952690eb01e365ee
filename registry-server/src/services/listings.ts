import type {
  AuditPage,
  Lineage,
  ListingDetail,
  NewVersionBody,
  PublishBody,
  ReviewPage,
  VersionDetail,
  VersionHygiene,
} from '@cws/shared';
import type { Principal } from '../auth/tokens.js';
import type { Cache } from '../cache/cache.js';
import type { Database, Db } from '../db/database.js';
import { isUniqueViolation } from '../db/errors.js';
import { audit, auditFor } from '../db/queries/audit.js';
import type { AmiHolder } from '../db/queries/listings.js';
import * as q from '../db/queries/listings.js';
import { findOrg, findOrgById } from '../db/queries/organisations.js';
import { launchedRatingCount, listReviews, ratingHistogram } from '../db/queries/ratings.js';
import { revokedAncestors } from '../db/queries/trust.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { type AccessScope, AccessService, canSee } from './access.js';
import { canManage, requireScope } from './auth.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { iso, round2, searchDoc, toRevokedAncestor, toSummary, toVersion, wordsOf } from './present.js';
import { clearScanAlert, scanAlertOf } from './scan-alert.js';
import { checkPublishedTemplate } from './templates.js';
import type { VersionHook } from './verification.js';

type CachedDetail = { detail: ListingDetail; ownerId: number; createdBy: number | null };

export class ListingService {
  constructor(
    private readonly database: Database,
    private readonly cache: Cache,
    /** Verification in EC2: refuses others' images up front, holds new regions back, checks them after commit. */
    private readonly verify: VersionHook | null = null,
    private readonly access: AccessService = new AccessService(database),
  ) {}

  async publish(principal: Principal, body: PublishBody): Promise<ListingDetail> {
    requireScope(principal, 'publish');
    const owner = await this.#publishingOwner(principal, body);
    const ns = owner.handle;
    // Refuses images EC2 shows are someone else's before anything is written.
    await this.verify?.precheckOwnership(
      principal,
      { ownerId: principal.userId, ownerHandle: principal.handle, path: 'version.regions' },
      body.version.regions,
    );
    const versionId = await this.database.transaction(async (trx) => {
      if (await q.findListing(trx, ns, body.name)) {
        throw new ConflictError(
          `${ns}/${body.name} exists; add a version with POST /api/v1/listings/${ns}/${body.name}/versions`,
        );
      }
      const doc = searchDoc([ns, body.name, body.template, body.category, body.description, ...body.tags]);
      let imageId: number;
      try {
        ({ id: imageId } = await q.insertListing(trx, {
          owner_id: owner.id,
          created_by: principal.userId,
          name: body.name,
          template: body.template,
          category: body.category ?? null,
          description: body.description,
          visibility: body.visibility,
          tags: body.tags,
          search_doc: doc,
        }));
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError(`${ns}/${body.name} exists`);
        throw err;
      }
      await q.addSearchWords(trx, wordsOf(doc));
      const version = await createVersion(
        trx,
        { id: imageId, owner_id: principal.userId, template: body.template },
        principal.userId,
        body.version,
        'body.version',
      );
      await this.verify?.created(trx, version.id);
      await audit(trx, {
        actor_id: principal.userId,
        action: 'listing.publish',
        image_id: imageId,
        target: `${ns}/${body.name}@${body.version.version}`,
        org_id: owner.org ? owner.id : null,
        details: { visibility: body.visibility },
      });
      return version.id;
    });
    await this.cache.invalidate('publish');
    this.verify?.committed(versionId);
    return this.detail(ns, body.name, principal);
  }

  /** Whose namespace a publish goes into: the caller's, or an organisation they publish for. */
  async #publishingOwner(principal: Principal, body: PublishBody) {
    const limit = principal.orgId ?? null;
    if (!body.org) {
      if (body.visibility === 'org') {
        throw new ValidationError('visibility "org" is for listings owned by an organisation: publish with org', [
          { path: 'body.visibility', message: 'org needs an organisation as owner (body.org)' },
        ]);
      }
      if (limit !== null) {
        const org = await findOrgById(this.database.db, limit);
        throw new ForbiddenError(`this token is limited to the organisation ${org?.name ?? limit}; publish with org`);
      }
      return { id: principal.userId, handle: principal.handle, org: false };
    }
    const org = await findOrg(this.database.db, body.org);
    if (org && limit !== null && Number(org.id) !== limit) {
      throw new ForbiddenError(`this token is limited to another organisation than ${body.org}`);
    }
    const scope = await this.access.scope(principal);
    if (!org || !scope.memberOrgIds.includes(Number(org.id))) {
      throw new NotFoundError(`no organisation ${body.org} that you belong to`);
    }
    if (!scope.publisherOrgIds.includes(Number(org.id))) {
      throw new ForbiddenError(`publishing as ${body.org} needs its publisher or admin role; you are a member`);
    }
    return { id: Number(org.id), handle: org.name, org: true };
  }

  async addVersion(principal: Principal, owner: string, name: string, body: NewVersionBody): Promise<VersionDetail> {
    requireScope(principal, 'publish');
    if (this.verify) {
      // 404/403 for the listing first; then the images, before anything is written. The
      // listing owner's proven accounts count too (a maintainer adding a version).
      const listing = await this.#managed(this.database.db, principal, owner, name);
      await this.verify.precheckOwnership(
        principal,
        { ownerId: listing.owner_id, ownerHandle: listing.owner, path: 'regions' },
        body.regions,
      );
    }
    const versionId = await this.database.transaction(async (trx) => {
      const listing = await this.#managed(trx, principal, owner, name);
      await q.lockListing(trx, listing.id);
      const version = await createVersion(trx, listing, principal.userId, body);
      await this.verify?.created(trx, version.id);
      await clearScanAlert(trx, listing, principal.userId, 'a new version was published');
      await audit(trx, {
        actor_id: principal.userId,
        action: 'version.add',
        image_id: listing.id,
        target: `${owner}/${name}@${body.version}`,
      });
      return version.id;
    });
    await this.cache.invalidate('version');
    this.verify?.committed(versionId);
    return this.#version(owner, name, body.version, principal);
  }

  async setStatus(
    principal: Principal,
    owner: string,
    name: string,
    version: string,
    status: 'deprecated' | 'revoked',
    reason: string | null,
  ): Promise<VersionDetail> {
    requireScope(principal, 'publish');
    await this.database.transaction(async (trx) => {
      const listing = await this.#managed(trx, principal, owner, name);
      const v = await q.findVersion(trx, listing.id, version);
      if (!v) throw new NotFoundError(`${owner}/${name} has no version ${version}`);
      if (v.status === 'revoked')
        throw new ConflictError(`${owner}/${name}@${version} is revoked; revocation is final`);
      if (v.status === status) throw new ConflictError(`${owner}/${name}@${version} is already ${status}`);
      await q.setVersionStatus(trx, v.id, status, reason);
      await q.touchListing(trx, listing.id);
      await audit(trx, {
        actor_id: principal.userId,
        action: status === 'revoked' ? 'version.revoke' : 'version.deprecate',
        image_id: listing.id,
        target: `${owner}/${name}@${version}`,
        details: { reason },
      });
    });
    await this.cache.invalidate(status);
    return this.#version(owner, name, version, principal);
  }

  async setVisibility(
    principal: Principal,
    owner: string,
    name: string,
    visibility: 'public' | 'unlisted' | 'org' | 'private',
  ) {
    requireScope(principal, 'publish');
    await this.database.transaction(async (trx) => {
      const listing = await q.findListing(trx, owner, name);
      if (!listing) throw new NotFoundError(`no listing ${owner}/${name}`);
      const ownerId = Number(listing.owner_id);
      const org = await findOrgById(trx, ownerId);
      const scope = await this.access.scope(principal, trx);
      if (!mayChangeVisibility(principal, listing, org !== undefined, scope)) {
        if (!canSee(scope, listing)) throw new NotFoundError(`no listing ${owner}/${name}`);
        throw new ForbiddenError(
          org
            ? `only ${owner}'s admins, the publisher who created it, or a registry admin can change the visibility of ${owner}/${name}`
            : `only ${owner} or a registry admin can change the visibility of ${owner}/${name}`,
        );
      }
      if (visibility === 'org' && !org) {
        throw new ValidationError(
          `visibility "org" is for listings owned by an organisation; ${owner}/${name} belongs to a person`,
          [{ path: 'body.visibility', message: 'org needs an organisation as owner; use public, unlisted or private' }],
        );
      }
      if (listing.visibility === visibility) return;
      await q.setVisibility(trx, listing.id, visibility);
      await audit(trx, {
        actor_id: principal.userId,
        action: 'listing.visibility',
        image_id: listing.id,
        target: `${owner}/${name}`,
        org_id: org ? ownerId : null,
        details: { from: listing.visibility, to: visibility },
      });
    });
    await this.cache.invalidate('visibility');
    return { listing: `${owner}/${name}`, visibility };
  }

  async setChannel(principal: Principal, owner: string, name: string, channel: string, version: string) {
    requireScope(principal, 'publish');
    await this.database.transaction(async (trx) => {
      const listing = await this.#managed(trx, principal, owner, name);
      const v = await q.findVersion(trx, listing.id, version);
      if (!v) throw new NotFoundError(`${owner}/${name} has no version ${version}`);
      if (v.status === 'revoked')
        throw new ConflictError(`${owner}/${name}@${version} is revoked; a channel cannot point at it`);
      await q.upsertChannel(trx, listing.id, channel, v.id);
      await audit(trx, {
        actor_id: principal.userId,
        action: 'channel.set',
        image_id: listing.id,
        target: `${owner}/${name}#${channel}`,
        details: { version },
      });
    });
    await this.cache.invalidate('channel');
    return { channel, version };
  }

  async deleteChannel(principal: Principal, owner: string, name: string, channel: string) {
    requireScope(principal, 'publish');
    await this.database.transaction(async (trx) => {
      const listing = await this.#managed(trx, principal, owner, name);
      const deleted = await q.deleteChannel(trx, listing.id, channel);
      if (Number(deleted.numDeletedRows) === 0) throw new NotFoundError(`${owner}/${name} has no channel ${channel}`);
      await audit(trx, {
        actor_id: principal.userId,
        action: 'channel.delete',
        image_id: listing.id,
        target: `${owner}/${name}#${channel}`,
      });
    });
    await this.cache.invalidate('channel');
  }

  /**
   * A listing in full, if the viewer may see it (services/access.ts): the cached copy is the
   * same for everyone, and who may see it is decided afresh on every call.
   */
  async detail(owner: string, name: string, viewer: Principal | null): Promise<ListingDetail> {
    const cached = await this.cache.wrap<CachedDetail | null>(`listing:${owner}/${name}`, () =>
      this.#load(owner, name),
    );
    if (!cached) throw new NotFoundError(`no listing ${owner}/${name}`);
    if (cached.detail.visibility !== 'public' && cached.detail.visibility !== 'unlisted') {
      const row = { visibility: cached.detail.visibility, owner_id: cached.ownerId, created_by: cached.createdBy };
      if (!canSee(await this.access.scope(viewer), row)) throw new NotFoundError(`no listing ${owner}/${name}`);
    }
    return cached.detail;
  }

  async reviews(
    owner: string,
    name: string,
    viewer: Principal | null,
    limit: number,
    cursor?: string,
  ): Promise<ReviewPage> {
    const detail = await this.detail(owner, name, viewer);
    const listing = await q.findListing(this.database.db, detail.owner, detail.name);
    if (!listing) throw new NotFoundError(`no listing ${owner}/${name}`);
    const before =
      cursor === undefined
        ? undefined
        : decodeCursor(cursor, (v): v is number => Number.isSafeInteger(v) && (v as number) > 0);
    const rows = await listReviews(this.database.db, listing.id, limit + 1, before);
    const page = rows.slice(0, limit);
    return {
      items: page.map(toReview),
      next_cursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.id) : null,
    };
  }

  /** Who did what to a listing: for its owner, maintainers and admins. */
  async audit(principal: Principal, owner: string, name: string, limit: number, cursor?: string): Promise<AuditPage> {
    const listing = await this.#managed(this.database.db, principal, owner, name);
    const before =
      cursor === undefined
        ? undefined
        : decodeCursor(cursor, (v): v is number => Number.isSafeInteger(v) && (v as number) > 0);
    const rows = await auditFor(this.database.db, listing.id, limit + 1, before);
    const page = rows.slice(0, limit);
    return {
      items: page.map((r) => ({
        actor: r.handle,
        action: r.action,
        target: r.target,
        details: r.details,
        at: iso(r.created_at)!,
      })),
      next_cursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.id) : null,
    };
  }

  async #load(owner: string, name: string): Promise<CachedDetail | null> {
    const db = this.database.db;
    const listing = await q.findListing(db, owner, name);
    if (!listing) return null;
    const [versions, histogram, reviews, channels] = await Promise.all([
      q.listVersions(db, listing.id),
      ratingHistogram(db, listing.id),
      listReviews(db, listing.id, 10),
      q.listChannels(db, listing.id),
    ]);
    const regions = await q.listRegionsWithScans(
      db,
      versions.map((v) => v.id),
    );
    const lineages = await lineageOf(db, versions);
    const launchedRatings = await launchedRatingCount(db, listing.id);
    const live = versions.filter((v) => v.status !== 'revoked');
    const liveRegions = regions.filter((r) => live.some((v) => v.id === r.version_id));
    const hist = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 };
    for (const h of histogram) hist[h.stars as 1 | 2 | 3 | 4 | 5] = Number(h.n);
    const summary = toSummary(listing, {
      latest_version: live[0]?.version ?? null,
      regions: [...new Set(liveRegions.map((r) => r.region))].sort(),
      architectures: [...new Set(liveRegions.map((r) => r.architecture))].sort(),
    });
    return {
      ownerId: Number(listing.owner_id),
      createdBy: listing.created_by === null ? null : Number(listing.created_by),
      detail: {
        ...summary,
        created_at: iso(listing.created_at)!,
        ratings: {
          average: round2(listing.rating_avg),
          count: Number(listing.rating_count),
          launched_count: launchedRatings,
          histogram: hist,
        },
        reviews: reviews.map(toReview),
        versions: versions.map((v) => toVersion(v, regions, this.verify?.noAwsReason ?? null, lineages.get(v.id))),
        channels: Object.fromEntries(channels.map((c) => [c.name, c.version])),
        origin: listing.origin,
        scan_alert: await scanAlertOf(db, listing),
      },
    };
  }

  async #version(owner: string, name: string, version: string, viewer: Principal): Promise<VersionDetail> {
    const detail = await this.detail(owner, name, viewer);
    const found = detail.versions.find((v) => v.version === version);
    if (!found) throw new NotFoundError(`${owner}/${name} has no version ${version}`);
    return found;
  }

  /** The listing, if the principal may change it: 404 when absent or unseen, 403 when not theirs. */
  async #managed(trx: Db, principal: Principal, owner: string, name: string) {
    const listing = await q.findListing(trx, owner, name);
    if (!listing) throw new NotFoundError(`no listing ${owner}/${name}`);
    const scope = await this.access.scope(principal, trx);
    if (!canManage(principal, listing.owner_id, scope)) {
      if (!canSee(scope, listing)) throw new NotFoundError(`no listing ${owner}/${name}`);
      throw new ForbiddenError(`only ${owner}, its publishers or a maintainer can change ${owner}/${name}`);
    }
    return listing;
  }
}

/**
 * Who may change a listing's visibility: for a person's listing, that person; for an organisation's,
 * its admins and the publisher who created it (while still a publisher there); registry admins and
 * maintainers always (not with a token limited to another organisation).
 */
function mayChangeVisibility(
  principal: Principal,
  listing: { owner_id: number; created_by: number | null },
  orgOwned: boolean,
  scope: AccessScope,
): boolean {
  const ownerId = Number(listing.owner_id);
  const limit = principal.orgId ?? null;
  if (limit !== null && limit !== ownerId) return false;
  if (limit === null && (principal.role === 'admin' || principal.role === 'maintainer')) return true;
  if (!orgOwned) return limit === null && principal.userId === ownerId;
  if (scope.adminOrgIds.includes(ownerId)) return true;
  return (
    scope.publisherOrgIds.includes(ownerId) &&
    listing.created_by !== null &&
    Number(listing.created_by) === principal.userId
  );
}

/**
 * Inserts a version and its regions; rejects duplicates clearly. Runs inside the caller's transaction.
 * One EC2 image id belongs to one listing version: an AMI another owner's listing holds is a 409
 * naming the holder; one the same owner holds elsewhere moves here (unless that version is revoked:
 * a revoked image is never published again).
 */
export async function createVersion(
  trx: Db,
  listing: { id: number; owner_id: number; template?: string },
  userId: number,
  body: NewVersionBody,
  /** Where the version is in the request, for error details. */
  where = 'body',
) {
  if (body.template_yaml !== undefined) {
    checkPublishedTemplate(body.template_yaml, listing.template, `${where}.template_yaml`);
  }
  const seen = new Set<string>();
  const amis = new Set<string>();
  for (const r of body.regions) {
    const key = `${r.region}/${r.architecture}`;
    if (seen.has(key))
      throw new ValidationError(`region ${key} is listed twice`, [{ path: 'regions', message: `duplicate ${key}` }]);
    if (amis.has(r.ami_id))
      throw new ValidationError(`${r.ami_id} is listed twice; an AMI exists in one region and architecture`, [
        { path: 'regions', message: `duplicate ${r.ami_id}` },
      ]);
    seen.add(key);
    amis.add(r.ami_id);
  }
  if (await q.findVersion(trx, listing.id, body.version)) {
    throw new ConflictError(`version ${body.version} exists; versions are immutable, publish a new one`);
  }
  const moves = claimable(await q.amiHolders(trx, [...amis]), listing.owner_id);
  let version: Awaited<ReturnType<typeof q.insertVersion>>;
  try {
    version = await q.insertVersion(trx, {
      image_id: listing.id,
      version: body.version,
      changelog: body.changelog ?? null,
      source_template: body.source_template ?? null,
      template_yaml: body.template_yaml ?? null,
      parent_ami: body.parent_ami ?? null,
      parent_listing: body.parent_listing ?? null,
      created_by: userId,
      ...(body.hygiene ? { hygiene: hygieneRecord(body.hygiene) } : {}),
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`version ${body.version} exists`);
    throw err;
  }
  for (const m of moves) {
    await q.deleteRegion(trx, m.region_id);
    await audit(trx, {
      actor_id: userId,
      action: 'ami.move',
      image_id: m.image_id,
      target: m.ami_id,
      details: { from: `${m.owner}/${m.name}@${m.version}`, to_version: body.version },
    });
  }
  try {
    await q.insertRegions(
      trx,
      body.regions.map((r) => ({
        version_id: version.id,
        region: r.region,
        architecture: r.architecture,
        ami_id: r.ami_id,
        owner_account: r.owner_account ?? null,
      })),
    );
  } catch (err) {
    // Another publish claimed one of these AMIs between the check and the insert.
    if (isUniqueViolation(err)) throw new ConflictError('one of these AMIs was just published by another listing');
    throw err;
  }
  await q.touchListing(trx, listing.id);
  if (body.hygiene && body.hygiene.status !== 'passed') {
    // Publishing past the check is a decision someone should be able to find again.
    await audit(trx, {
      actor_id: userId,
      action: body.hygiene.status === 'skipped' ? 'version.hygiene_skipped' : 'version.hygiene_risk_accepted',
      image_id: listing.id,
      target: `@${body.version}`,
      details: {
        reason: body.hygiene.accepted_reason ?? null,
        findings: body.hygiene.findings.map((f) => `${f.check}: ${f.file}`),
        ami_id: body.hygiene.ami_id ?? null,
      },
    });
  }
  return version;
}

/** The stored form of a version's hygiene check (VersionHygiene). */
function hygieneRecord(h: NonNullable<NewVersionBody['hygiene']>): VersionHygiene {
  return {
    publisher_reported: true,
    status: h.status,
    checked_at: h.checked_at ? new Date(h.checked_at).toISOString() : null,
    ami_id: h.ami_id ?? null,
    region: h.region ?? null,
    findings: h.findings,
    accepted_reason: h.accepted_reason ?? null,
  };
}

/** Why an AMI someone already holds cannot be claimed, or null when it can (moves). */
export function claimProblem(holder: AmiHolder, ownerId: number): string | null {
  const where = `${holder.owner}/${holder.name}@${holder.version}`;
  if (holder.owner_id !== ownerId) {
    return `${holder.ami_id} is already published as ${where} (${holder.region}/${holder.architecture}); an AMI belongs to one listing version`;
  }
  if (holder.status === 'revoked') {
    return `${holder.ami_id} belongs to ${where}, which is revoked; a revoked image cannot be published again`;
  }
  return null;
}

/** The holders whose AMIs move to the new version; throws 409 for any that cannot. */
function claimable(holders: AmiHolder[], ownerId: number): AmiHolder[] {
  const problems = holders.map((h) => claimProblem(h, ownerId)).filter((p): p is string => p !== null);
  if (problems.length > 0) throw new ConflictError(problems.join('; '));
  return holders;
}

/** Parent and nearest revoked ancestor of each version, by the AMI it was saved from. */
export async function lineageOf(
  db: Db,
  versions: Array<{ id: number; parent_ami: string | null; parent_listing: string | null }>,
): Promise<Map<number, Lineage>> {
  const parents = await q.amiHolders(db, [
    ...new Set(versions.map((v) => v.parent_ami).filter((a): a is string => a !== null)),
  ]);
  const withParent = versions.filter((v) => v.parent_ami !== null);
  const ancestors = await revokedAncestors(
    db,
    withParent.map((v) => v.id),
  );
  const out = new Map<number, Lineage>();
  for (const v of versions) {
    const p = parents.find((h) => h.ami_id === v.parent_ami);
    const a = ancestors.get(v.id);
    out.set(v.id, {
      parent_ami: v.parent_ami,
      parent_listing: v.parent_listing,
      parent: p ? { listing: `${p.owner}/${p.name}`, version: p.version, status: p.status } : null,
      revoked_ancestor: a ? toRevokedAncestor(a) : null,
    });
  }
  return out;
}

function toReview(r: {
  handle: string;
  stars: number;
  review: string | null;
  launched: boolean;
  created_at: Date;
  updated_at: Date;
}) {
  return {
    user: r.handle,
    rating: Number(r.stars),
    review: r.review,
    launched: Boolean(r.launched),
    created_at: iso(r.created_at)!,
    updated_at: iso(r.updated_at)!,
  };
}
