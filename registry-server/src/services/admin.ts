import type { AdminUser, AdminUserPage, RegistryAuditPage, RegistryAuditQuery, UpdateUserBody } from '@cws/shared';
import type { Principal } from '../auth/tokens.js';
import type { Cache } from '../cache/cache.js';
import type { Database } from '../db/database.js';
import { audit, auditLog } from '../db/queries/audit.js';
import { findOrg } from '../db/queries/organisations.js';
import * as users from '../db/queries/users.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import type { AccessService } from './access.js';
import { requireAdmin } from './auth.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { iso } from './present.js';

const isHandleCursor = (v: unknown): v is string => typeof v === 'string' && v.length <= 64;
const isIdCursor = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

/** Registry administration: people, their roles and access, and the registry-wide audit log. */
export class AdminService {
  constructor(
    private readonly database: Database,
    private readonly cache: Cache,
    private readonly access: AccessService,
  ) {}

  async listUsers(principal: Principal, q: { q?: string; limit: number; cursor?: string }): Promise<AdminUserPage> {
    requireRegistryAdmin(principal);
    return this.listUsersAsOperator(q);
  }

  /** `cws-registry user list` on the registry's host (it holds the database already). */
  async listUsersAsOperator(q: { q?: string; limit: number; cursor?: string }): Promise<AdminUserPage> {
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, isHandleCursor);
    const rows = await users.listPeople(this.database.db, { prefix: q.q, after }, q.limit + 1);
    const page = rows.slice(0, q.limit);
    const orgs = await users.membershipsOfMany(
      this.database.db,
      page.map((r) => r.id),
    );
    return {
      items: page.map((u) => ({
        handle: u.handle,
        display_name: u.display_name,
        role: u.role,
        created_at: iso(u.created_at)!,
        disabled_at: iso(u.disabled_at),
        orgs: orgs.filter((o) => Number(o.user_id) === Number(u.id)).map((o) => ({ name: o.name, role: o.role })),
      })),
      next_cursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]!.handle) : null,
    };
  }

  /**
   * Changes a person's registry role, or disables (enables) them. Disabling takes effect at
   * once: their tokens stop authenticating (the principal cache is dropped on every replica)
   * and their browser sessions are deleted.
   */
  async updateUser(principal: Principal, handle: string, body: UpdateUserBody): Promise<AdminUser> {
    requireRegistryAdmin(principal);
    return this.#updateUser(principal.userId, handle, body);
  }

  /** `cws-registry user disable|enable` on the registry's host: audited with no actor, via cws-registry. */
  async updateUserAsOperator(handle: string, body: UpdateUserBody): Promise<AdminUser> {
    return this.#updateUser(null, handle, body);
  }

  async #updateUser(actorId: number | null, handle: string, body: UpdateUserBody): Promise<AdminUser> {
    const via = actorId === null ? { via: 'cws-registry' } : {};
    await this.database.transaction(async (trx) => {
      const user = await users.findUserByHandle(trx, handle);
      if (!user || user.kind !== 'user') throw new NotFoundError(`no user ${handle}`);
      const losesAdmin =
        user.role === 'admin' &&
        user.disabled_at === null &&
        (body.disabled === true || (body.role ?? 'admin') !== 'admin');
      if (losesAdmin && (await users.countActiveAdmins(trx)) <= 1) {
        throw new ConflictError(`${handle} is the last active admin; make someone else admin first`);
      }
      if (user.id === actorId && body.disabled === true) {
        throw new ConflictError('you cannot disable yourself');
      }
      if (body.role !== undefined && body.role !== user.role) {
        await users.setUserRole(trx, user.id, body.role);
        await audit(trx, {
          actor_id: actorId,
          action: 'user.role',
          target: handle,
          details: { role: body.role, previous: user.role, ...via },
        });
      }
      if (body.disabled !== undefined && body.disabled !== (user.disabled_at !== null)) {
        await users.setUserDisabled(trx, user.id, body.disabled ? new Date() : null);
        if (body.disabled) await users.deleteSessionsOf(trx, user.id);
        await audit(trx, {
          actor_id: actorId,
          action: body.disabled ? 'user.disable' : 'user.enable',
          target: handle,
          details: via,
        });
      }
    });
    // Principals are cached by token: drop them so the change holds on the next request.
    await this.cache.invalidate('user changed');
    const page = await this.listUsersAsOperator({ q: handle, limit: 50 });
    const found = page.items.find((u) => u.handle === handle);
    if (!found) throw new NotFoundError(`no user ${handle}`);
    return found;
  }

  /** The registry-wide log for registry admins; an organisation's admins may read its part. */
  async auditLog(principal: Principal, q: RegistryAuditQuery): Promise<RegistryAuditPage> {
    const registryAdmin = isRegistryAdmin(principal);
    let orgId: number | undefined;
    if (q.org !== undefined) {
      const org = await findOrg(this.database.db, q.org);
      if (!org) throw new NotFoundError(`no organisation ${q.org}`);
      orgId = Number(org.id);
      if (!registryAdmin && !(await this.access.scope(principal)).adminOrgIds.includes(orgId)) {
        throw new ForbiddenError(`only an admin of ${q.org} or of the registry can read its audit log`);
      }
    } else if (!registryAdmin) {
      throw new ForbiddenError(
        'only a registry admin can read the whole audit log; an organisation admin adds org=NAME',
      );
    }
    let actorId: number | undefined;
    if (q.actor !== undefined) {
      const actor = await users.findUserByHandle(this.database.db, q.actor);
      if (!actor) return { items: [], next_cursor: null };
      actorId = actor.id;
    }
    const before = q.cursor === undefined ? undefined : decodeCursor(q.cursor, isIdCursor);
    const rows = await auditLog(this.database.db, { action: q.action, actorId, orgId }, q.limit + 1, before);
    const page = rows.slice(0, q.limit);
    return {
      items: page.map((r) => ({
        id: String(r.id),
        actor: r.handle,
        action: r.action,
        target: r.target,
        org: r.org,
        details: r.details,
        at: iso(r.created_at)!,
      })),
      next_cursor: rows.length > q.limit ? encodeCursor(Number(page[page.length - 1]!.id)) : null,
    };
  }
}

function isRegistryAdmin(principal: Principal): boolean {
  return principal.role === 'admin' && principal.scopes.includes('admin') && !principal.orgId;
}

function requireRegistryAdmin(principal: Principal): void {
  requireAdmin(principal);
  if (principal.orgId) throw new ForbiddenError('a token limited to an organisation cannot administer the registry');
}
