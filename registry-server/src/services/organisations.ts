import type { CreateOrgBody, OrgDetail, OrgInfo, OrgMember, OrgRole, OrgToken } from '@cws/shared';
import type { Principal } from '../auth/tokens.js';
import type { Cache } from '../cache/cache.js';
import type { Database, Db } from '../db/database.js';
import { isUniqueViolation } from '../db/errors.js';
import { audit } from '../db/queries/audit.js';
import * as q from '../db/queries/organisations.js';
import { findUserByHandle } from '../db/queries/users.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { type AccessService, orgRoleIn } from './access.js';
import { requireAdmin, toTokenInfo } from './auth.js';
import { iso } from './present.js';

export type MembershipSource = 'manual' | 'saml';

/** Organisations, their members and roles. */
export class OrganisationService {
  constructor(
    private readonly database: Database,
    private readonly cache: Cache,
    private readonly access: AccessService,
  ) {}

  /** Registry admins create organisations, optionally naming first admins. */
  async create(principal: Principal, body: CreateOrgBody): Promise<OrgDetail> {
    requireAdmin(principal);
    await this.database.transaction(async (trx) => {
      if (await findUserByHandle(trx, body.name)) {
        throw new ConflictError(`the name ${body.name} is taken (people and organisations share names)`);
      }
      let org: Awaited<ReturnType<typeof q.insertOrg>>;
      try {
        org = await q.insertOrg(trx, { name: body.name, display_name: body.display_name ?? null });
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError(`the name ${body.name} is taken`);
        throw err;
      }
      for (const handle of new Set(body.admins)) {
        const user = await person(trx, handle);
        await q.upsertMember(trx, { org_id: org.id, user_id: user.id, role: 'admin', source: 'manual' });
      }
      await audit(trx, {
        actor_id: principal.userId,
        action: 'org.create',
        target: body.name,
        org_id: org.id,
        details: { admins: [...new Set(body.admins)] },
      });
    });
    await this.cache.invalidate('org created');
    return this.get(principal, body.name);
  }

  /** Registry admins see every organisation; others the ones they belong to. */
  async list(principal: Principal): Promise<OrgInfo[]> {
    const scope = await this.access.scope(principal);
    const rows = await q.listOrgs(this.database.db, scope.seesAll ? undefined : principal.userId);
    return rows
      .filter((r) => scope.seesAll || scope.memberOrgIds.includes(Number(r.id)))
      .map((r) => ({
        name: r.name,
        display_name: r.display_name,
        created_at: iso(r.created_at)!,
        members: Number(r.members ?? 0),
        my_role: orgRoleIn(scope, Number(r.id)),
      }));
  }

  /** An organisation and its members: for its members and registry admins (404 to others). */
  async get(principal: Principal, name: string): Promise<OrgDetail> {
    const scope = await this.access.scope(principal);
    const org = await q.findOrg(this.database.db, name);
    if (!org || !(scope.seesAll || scope.memberOrgIds.includes(Number(org.id)))) {
      throw new NotFoundError(`no organisation ${name}`);
    }
    const members = await q.listMembers(this.database.db, org.id);
    return {
      name: org.name,
      display_name: org.display_name,
      created_at: iso(org.created_at)!,
      members: members.length,
      my_role: orgRoleIn(scope, Number(org.id)),
      member_list: members.map(toMember),
    };
  }

  /** Adds a person or changes their role: the organisation's admins and registry admins. */
  async setMember(principal: Principal, orgName: string, handle: string, role: OrgRole): Promise<OrgMember> {
    const org = await this.#administered(principal, orgName);
    await this.database.transaction(async (trx) => {
      const user = await person(trx, handle);
      const before = await q.findMembership(trx, org.id, user.id);
      if (before?.role === 'admin' && role !== 'admin' && (await q.countAdmins(trx, org.id)) <= 1) {
        throw new ConflictError(`${handle} is the last admin of ${orgName}; make someone else admin first`);
      }
      await q.upsertMember(trx, { org_id: org.id, user_id: user.id, role, source: 'manual' });
      await audit(trx, {
        actor_id: principal.userId,
        action: before ? 'org.member.role' : 'org.member.add',
        target: `${orgName}/${handle}`,
        org_id: org.id,
        details: { role, previous: before?.role ?? null },
      });
    });
    await this.cache.invalidate('org membership');
    return this.#member(org.id, handle);
  }

  /** Removes a member: the organisation's admins, registry admins, or the member themselves. */
  async removeMember(principal: Principal, orgName: string, handle: string): Promise<void> {
    const self = principal.handle === handle;
    const org = self ? await this.#visible(principal, orgName) : await this.#administered(principal, orgName);
    await this.database.transaction(async (trx) => {
      const user = await person(trx, handle);
      const before = await q.findMembership(trx, org.id, user.id);
      if (!before) throw new NotFoundError(`${handle} is not a member of ${orgName}`);
      if (before.role === 'admin' && (await q.countAdmins(trx, org.id)) <= 1) {
        throw new ConflictError(`${handle} is the last admin of ${orgName}; make someone else admin first`);
      }
      await q.deleteMember(trx, org.id, user.id);
      await audit(trx, {
        actor_id: principal.userId,
        action: 'org.member.remove',
        target: `${orgName}/${handle}`,
        org_id: org.id,
        details: { previous: before.role },
      });
    });
    await this.cache.invalidate('org membership');
  }

  /** Tokens limited to the organisation (metadata only): its admins and registry admins. */
  async tokens(principal: Principal, orgName: string): Promise<OrgToken[]> {
    const org = await this.#administered(principal, orgName);
    const rows = await q.listOrgTokens(this.database.db, org.id);
    return rows.map((r) => ({ ...toTokenInfo(r), owner: r.owner }));
  }

  /**
   * For sign-in integrations (SAML): gives a person a role in an organisation, or with role
   * null takes away what an identity provider gave. Memberships an admin set by hand
   * ('manual') are left alone: the identity provider adds and updates only its own.
   * Returns the role the person now holds there.
   */
  async applyIdentityProviderRole(
    orgName: string,
    userId: number,
    role: OrgRole | null,
    idp: string,
  ): Promise<OrgRole | null> {
    const changed = await this.database.transaction(async (trx) => {
      const org = await q.findOrg(trx, orgName);
      if (!org) throw new NotFoundError(`no organisation ${orgName}`);
      const before = await q.findMembership(trx, org.id, userId);
      if (before?.source === 'manual') return { now: before.role, changed: false };
      if (role === null) {
        if (!before) return { now: null, changed: false };
        await q.deleteMember(trx, org.id, userId);
      } else {
        if (before?.role === role) return { now: role, changed: false };
        await q.upsertMember(trx, { org_id: org.id, user_id: userId, role, source: 'saml' });
      }
      await audit(trx, {
        actor_id: userId,
        action: role === null ? 'org.member.remove' : before ? 'org.member.role' : 'org.member.add',
        target: orgName,
        org_id: org.id,
        details: { role, previous: before?.role ?? null, via: 'saml', idp },
      });
      return { now: role, changed: true };
    });
    if (changed.changed) await this.cache.invalidate('org membership');
    return changed.now;
  }

  /** The organisation row if it exists and the principal is its admin or a registry admin. */
  async #administered(principal: Principal, orgName: string) {
    const scope = await this.access.scope(principal);
    const org = await q.findOrg(this.database.db, orgName);
    if (!org || !(scope.seesAll || scope.memberOrgIds.includes(Number(org.id)))) {
      throw new NotFoundError(`no organisation ${orgName}`);
    }
    const registryAdmin = principal.role === 'admin' && principal.scopes.includes('admin') && !principal.orgId;
    if (!registryAdmin && !scope.adminOrgIds.includes(Number(org.id))) {
      throw new ForbiddenError(`only an admin of ${orgName} or of the registry can do this`);
    }
    return org;
  }

  async #visible(principal: Principal, orgName: string) {
    const scope = await this.access.scope(principal);
    const org = await q.findOrg(this.database.db, orgName);
    if (!org || !(scope.seesAll || scope.memberOrgIds.includes(Number(org.id)))) {
      throw new NotFoundError(`no organisation ${orgName}`);
    }
    return org;
  }

  async #member(orgId: number, handle: string): Promise<OrgMember> {
    const found = (await q.listMembers(this.database.db, orgId)).find((m) => m.handle === handle);
    if (!found) throw new NotFoundError(`${handle} is not a member`);
    return toMember(found);
  }
}

async function person(db: Db, handle: string) {
  const user = await findUserByHandle(db, handle);
  if (!user) throw new NotFoundError(`no user ${handle}`);
  if (user.kind === 'org') throw new ValidationError(`${handle} is an organisation, not a person`);
  return user;
}

function toMember(m: Awaited<ReturnType<typeof q.listMembers>>[number]): OrgMember {
  return {
    handle: m.handle,
    display_name: m.display_name,
    role: m.role,
    source: m.source,
    disabled: m.disabled_at !== null,
    since: iso(m.created_at)!,
  };
}
