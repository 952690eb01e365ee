import { EXCEPTION_MAX_DAYS, type ExceptionBody, type ExceptionInfo, type ExceptionsQuery } from '@cws/shared';
import type { Principal } from '../auth/tokens.js';
import type { Cache } from '../cache/cache.js';
import type { Database, Db } from '../db/database.js';
import { audit } from '../db/queries/audit.js';
import * as q from '../db/queries/exceptions.js';
import { findListing } from '../db/queries/listings.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { type AccessScope, AccessService, canSee } from './access.js';
import { canManage, requireScope } from './auth.js';
import { iso } from './present.js';
import { vulnerabilityUrl } from './scans.js';

const DAY_MS = 86_400_000;

/**
 * Vulnerability exceptions, after Harbor's CVE allowlists: a registry-wide one is set by a registry
 * maintainer or admin (Harbor: the system admin), a listing's by whoever manages the listing, i.e.
 * its owner, its organisation's publishers and admins, and registry maintainers (Harbor: the
 * project admin). Unlike Harbor's one expiry per list, each exception has its own reason, author
 * and expiry (at most a year). An accepted finding does not count against a consumer's
 * max_severity until the exception expires or is ended; findings and resolve answers say so.
 */
export class ExceptionService {
  constructor(
    private readonly database: Database,
    private readonly cache: Cache,
    private readonly access: AccessService = new AccessService(database),
  ) {}

  async create(principal: Principal, raw: ExceptionBody & { listing: string | null }): Promise<ExceptionInfo> {
    requireScope(principal, 'publish');
    const expires = new Date(raw.expires_at);
    const now = Date.now();
    if (expires.getTime() <= now) throw new ValidationError('expires_at must be in the future');
    if (expires.getTime() > now + EXCEPTION_MAX_DAYS * DAY_MS)
      throw new ValidationError(`expires_at must be at most ${EXCEPTION_MAX_DAYS} days away`);
    const id = await this.database.transaction(async (trx) => {
      const scope = await this.access.scope(principal, trx);
      const listing = raw.listing ? await this.#managed(trx, principal, scope, raw.listing) : null;
      if (!listing) this.#requireMaintainer(principal);
      const vulnerabilityId = normalizeId(raw.vulnerability_id);
      const created = await q.insertException(trx, {
        image_id: listing?.id ?? null,
        vulnerability_id: vulnerabilityId,
        reason: raw.reason,
        created_by: principal.userId,
        expires_at: expires,
      });
      await audit(trx, {
        actor_id: principal.userId,
        action: 'exception.create',
        image_id: listing?.id ?? null,
        target: raw.listing ?? 'registry',
        details: {
          exception_id: created,
          vulnerability_id: vulnerabilityId,
          reason: raw.reason,
          expires_at: iso(expires),
        },
      });
      return created;
    });
    // Resolve answers judged with the old exceptions are cached: drop them.
    await this.cache.invalidate('exception', { touches: ['resolve', 'web'] });
    return toInfo((await q.findException(this.database.db, id))!);
  }

  async list(principal: Principal | null, query: ExceptionsQuery): Promise<{ items: ExceptionInfo[] }> {
    const db = this.database.db;
    const scope = await this.access.scope(principal);
    let imageId: number | undefined;
    if (query.listing) {
      const [owner, name] = query.listing.split('/') as [string, string];
      const listing = await findListing(db, owner, name);
      if (!listing || !canSee(scope, listing)) throw new NotFoundError(`no listing ${query.listing}`);
      imageId = listing.id;
    }
    const rows = await q.listExceptions(db, {
      imageId,
      vulnerabilityId: query.vulnerability_id && normalizeId(query.vulnerability_id),
      live: query.all !== true,
    });
    // Listing exceptions only of listings the caller may see.
    const visible = rows.filter(
      (r) =>
        r.image_id === null ||
        canSee(scope, { visibility: r.visibility!, owner_id: r.owner_id!, created_by: r.listing_created_by ?? null }),
    );
    return { items: visible.map(toInfo) };
  }

  async remove(principal: Principal, id: number): Promise<void> {
    requireScope(principal, 'publish');
    await this.database.transaction(async (trx) => {
      const row = await q.findException(trx, id);
      if (!row) throw new NotFoundError(`no exception ${id}`);
      const scope = await this.access.scope(principal, trx);
      if (row.image_id === null) this.#requireMaintainer(principal);
      else await this.#managed(trx, principal, scope, `${row.owner}/${row.name}`);
      if (!(await q.endException(trx, id))) return;
      await audit(trx, {
        actor_id: principal.userId,
        action: 'exception.delete',
        image_id: row.image_id,
        target: row.image_id === null ? 'registry' : `${row.owner}/${row.name}`,
        details: { exception_id: id, vulnerability_id: row.vulnerability_id },
      });
    });
    await this.cache.invalidate('exception', { touches: ['resolve', 'web'] });
  }

  #requireMaintainer(principal: Principal) {
    if (principal.orgId != null || (principal.role !== 'admin' && principal.role !== 'maintainer'))
      throw new ForbiddenError('only a registry maintainer or admin can accept a vulnerability for the whole registry');
  }

  async #managed(trx: Db, principal: Principal, scope: AccessScope, ref: string) {
    const [owner, name] = ref.split('/') as [string, string];
    const listing = await findListing(trx, owner, name);
    if (!listing || !canSee(scope, listing)) throw new NotFoundError(`no listing ${ref}`);
    if (!canManage(principal, listing.owner_id, scope))
      throw new ForbiddenError(
        `only ${owner}, its publishers or a registry maintainer can accept a vulnerability for ${ref}`,
      );
    return listing;
  }
}

/** As Inspector writes them: CVE-2024-6387 in capitals, GHSA-xxxx-xxxx-xxxx with a lowercase tail. */
function normalizeId(id: string): string {
  if (/^cve-/i.test(id)) return id.toUpperCase();
  if (/^ghsa-/i.test(id)) return `GHSA-${id.slice(5).toLowerCase()}`;
  return id;
}

function toInfo(r: NonNullable<Awaited<ReturnType<typeof q.findException>>>): ExceptionInfo {
  return {
    id: Number(r.id),
    vulnerability_id: r.vulnerability_id,
    scope: r.image_id === null ? 'registry' : 'listing',
    listing: r.image_id === null ? null : `${r.owner}/${r.name}`,
    reason: r.reason,
    author: r.author,
    created_at: iso(r.created_at)!,
    expires_at: iso(r.expires_at)!,
    state: r.revoked_at ? 'removed' : r.live ? 'active' : 'expired',
    url: vulnerabilityUrl(r.vulnerability_id),
  };
}
