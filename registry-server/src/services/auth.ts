import type {
  CreatedToken,
  CreatedUser,
  CreateTokenBody,
  CreateUserBody,
  Scope,
  TokenInfo,
  UserInfo,
} from '@cws/shared';
import type { Selectable } from 'kysely';
import type { Logger } from 'pino';
import { generateToken, hashToken, type Principal, tokenPrefix } from '../auth/tokens.js';
import type { Cache } from '../cache/cache.js';
import type { Database, Db } from '../db/database.js';
import { isUniqueViolation } from '../db/errors.js';
import { audit } from '../db/queries/audit.js';
import { findMembership, findOrg } from '../db/queries/organisations.js';
import * as tokens from '../db/queries/tokens.js';
import * as users from '../db/queries/users.js';
import type { ApiTokensTable } from '../db/tables/api-tokens.js';
import { AuthRequiredError, ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import type { AccessScope } from './access.js';
import { iso } from './present.js';

export const BOOTSTRAP_TOKEN_NAME = 'bootstrap (CWS_REGISTRY_ADMIN_TOKEN)';
const ALL_SCOPES: Scope[] = ['rate', 'publish', 'admin'];
const DEFAULT_USER_SCOPES: Scope[] = ['rate', 'publish'];

type CachedPrincipal = (Principal & { expiresAt: number | null }) | { none: true };

export class AuthService {
  /** Token ids used since the last flush; last_used_at is written in batches, not per request. */
  #used = new Set<number>();

  constructor(
    private readonly database: Database,
    private readonly cache: Cache,
    private readonly logger: Logger,
  ) {}

  /** The principal behind a bearer token, or null for an unknown, revoked or expired one. */
  async authenticate(token: string): Promise<Principal | null> {
    const hash = hashToken(token);
    const found = await this.cache.wrap<CachedPrincipal>(
      `auth:${hash}`,
      async () => {
        const row = await tokens.findLiveToken(this.database.db, hash);
        if (!row) return { none: true };
        return {
          userId: row.user_id,
          handle: row.handle,
          role: row.role,
          scopes: row.scopes,
          tokenId: row.token_id,
          orgId: row.org_id === null ? null : Number(row.org_id),
          expiresAt: row.expires_at ? new Date(row.expires_at).getTime() : null,
        };
        // In this process only: a principal read back from Redis would make anyone who can write
        // to Redis an administrator.
      },
      { shared: false },
    );
    if ('none' in found) return null;
    if (found.expiresAt !== null && found.expiresAt <= Date.now()) return null;
    this.#used.add(found.tokenId);
    const { expiresAt: _expires, ...principal } = found;
    return principal;
  }

  async flushUsage(): Promise<void> {
    if (this.#used.size === 0) return;
    const ids = [...this.#used];
    this.#used.clear();
    await tokens.touchTokens(this.database.db, ids);
  }

  /** Makes CWS_REGISTRY_ADMIN_TOKEN work: user "admin", the token stored hashed, older bootstrap tokens revoked. */
  async bootstrapAdmin(token: string): Promise<void> {
    const hash = hashToken(token);
    await this.database.transaction(async (trx) => {
      const { user } = await users.ensureUser(trx, 'admin', 'admin');
      if (user.role !== 'admin') await users.setUserRole(trx, user.id, 'admin');
      const live = await tokens.findLiveToken(trx, hash);
      if (!live) {
        try {
          await tokens.insertToken(trx, {
            user_id: user.id,
            name: BOOTSTRAP_TOKEN_NAME,
            token_hash: hash,
            prefix: adminLabel(hash),
            scopes: ALL_SCOPES,
            expires_at: null,
          });
        } catch (err) {
          // The hash exists but is revoked or belongs elsewhere: a reused admin token. Refuse loudly.
          if (isUniqueViolation(err))
            throw new Error('CWS_REGISTRY_ADMIN_TOKEN was used before and revoked; pick a new one');
          throw err;
        }
      }
      // Rows from before kept the admin token's first characters in plain text: replace them.
      else await tokens.setPrefix(trx, live.token_id, adminLabel(hash));
      await tokens.revokeOtherTokensNamed(trx, user.id, BOOTSTRAP_TOKEN_NAME, hash);
    });
    await this.cache.invalidate('admin bootstrap');
    this.logger.info('admin token ready for user "admin"');
  }

  async me(principal: Principal): Promise<UserInfo> {
    const user = await users.findUserByHandle(this.database.db, principal.handle);
    if (!user) throw new AuthRequiredError();
    return this.#userInfo(this.database.db, user);
  }

  async createUser(principal: Principal, body: CreateUserBody): Promise<CreatedUser> {
    requireAdmin(principal);
    return this.#createUser(principal.userId, body);
  }

  /**
   * `cws-registry user create` on the registry's host: whoever can run it there holds the
   * database already. Audited with no actor and via "cws-registry".
   */
  async createUserAsOperator(body: CreateUserBody): Promise<CreatedUser> {
    return this.#createUser(null, body);
  }

  async #createUser(actorId: number | null, body: CreateUserBody): Promise<CreatedUser> {
    return this.database.transaction(async (trx) => {
      if (await users.findUserByHandle(trx, body.handle)) throw new ConflictError(`user ${body.handle} already exists`);
      let user: Awaited<ReturnType<typeof users.insertUser>>;
      try {
        user = await users.insertUser(trx, {
          handle: body.handle,
          display_name: body.display_name ?? null,
          role: body.role,
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError(`user ${body.handle} already exists`);
        throw err;
      }
      const scopes: Scope[] = body.role === 'admin' ? ALL_SCOPES : DEFAULT_USER_SCOPES;
      const token = await this.#mint(trx, user.id, body.token_name, scopes, null);
      await audit(trx, {
        actor_id: actorId,
        action: 'user.create',
        target: body.handle,
        details: { role: body.role, ...(actorId === null ? { via: 'cws-registry' } : {}) },
      });
      return { user: await this.#userInfo(trx, user), token };
    });
  }

  /** `cws-registry token create HANDLE` on the registry's host: a token for that person, within their role. */
  async createTokenAsOperator(handle: string, body: CreateTokenBody): Promise<CreatedToken> {
    const user = await users.findUserByHandle(this.database.db, handle);
    if (!user || user.kind !== 'user') throw new NotFoundError(`no user ${handle}`);
    if (user.disabled_at) throw new ConflictError(`${handle} is disabled; enable them first`);
    const allowed: Scope[] = user.role === 'admin' ? ALL_SCOPES : DEFAULT_USER_SCOPES;
    const scopes = [...new Set(body.scopes ?? DEFAULT_USER_SCOPES)];
    const wider = scopes.filter((s) => !allowed.includes(s));
    if (wider.length > 0)
      throw new ForbiddenError(`${handle} is a ${user.role}; their tokens cannot have: ${wider.join(', ')}`);
    if (body.org !== undefined)
      throw new ForbiddenError('organisation-limited tokens are made by their owner (cws login, then the API)');
    const expires = body.expires_in_days ? new Date(Date.now() + body.expires_in_days * 86_400_000) : null;
    return this.database.transaction(async (trx) => {
      const created = await this.#mint(trx, user.id, body.name, scopes, expires);
      await audit(trx, {
        actor_id: null,
        action: 'token.create',
        target: `token:${created.id}`,
        details: { scopes, owner: handle, via: 'cws-registry' },
      });
      return created;
    });
  }

  async createToken(principal: Principal, body: CreateTokenBody): Promise<CreatedToken> {
    const scopes = body.scopes ?? (principal.scopes as Scope[]);
    const wider = scopes.filter((s) => !principal.scopes.includes(s));
    if (wider.length > 0) {
      throw new ForbiddenError(
        `a token can only create tokens with its own scopes; this one lacks: ${wider.join(', ')}`,
      );
    }
    const requested = body.expires_in_days ? new Date(Date.now() + body.expires_in_days * 86_400_000) : null;
    const orgId = await this.#tokenOrg(principal, body.org);
    return this.database.transaction(async (trx) => {
      // A token never mints one that outlives it: the new expiry is capped at the parent's, and
      // "no expiry" under an expiring parent becomes the parent's expiry.
      const parent =
        principal.tokenId > 0 ? await tokens.findToken(trx, principal.userId, principal.tokenId) : undefined;
      const parentExpires = parent?.expires_at ? new Date(parent.expires_at) : null;
      const expires =
        parentExpires && (requested === null || requested.getTime() > parentExpires.getTime())
          ? parentExpires
          : requested;
      const created = await this.#mint(trx, principal.userId, body.name, [...new Set(scopes)], expires, orgId);
      await audit(trx, {
        actor_id: principal.userId,
        action: 'token.create',
        target: `token:${created.id}`,
        details: {
          scopes,
          org: body.org ?? null,
          ...(expires !== requested ? { expiry_capped_at: expires?.toISOString() } : {}),
        },
        org_id: orgId,
      });
      return { ...created, org: orgId === null ? null : (body.org ?? null) };
    });
  }

  async listTokens(principal: Principal): Promise<TokenInfo[]> {
    const rows = await tokens.listTokens(this.database.db, principal.userId);
    return rows.map(toTokenInfo);
  }

  async revokeToken(principal: Principal, id: number): Promise<TokenInfo> {
    const revoked = await this.database.transaction(async (trx) => {
      const row = await tokens.revokeToken(trx, principal.userId, id);
      if (!row) {
        const existing = await tokens.findToken(trx, principal.userId, id);
        if (!existing) throw new NotFoundError(`you have no token with id ${id}`);
        return existing; // already revoked: revoking again is a no-op
      }
      await audit(trx, { actor_id: principal.userId, action: 'token.revoke', target: `token:${id}` });
      return row;
    });
    await this.cache.invalidate('token revoked');
    return toTokenInfo(revoked);
  }

  /** The organisation a new token is limited to: one the caller belongs to; a limited token keeps its limit. */
  async #tokenOrg(principal: Principal, org: string | undefined): Promise<number | null> {
    const limit = principal.orgId ?? null;
    if (org === undefined) {
      if (limit !== null) throw new ForbiddenError('this token is limited to an organisation; name it with org');
      return null;
    }
    const row = await findOrg(this.database.db, org);
    const member = row ? await findMembership(this.database.db, row.id, principal.userId) : undefined;
    if (!row || !member) throw new NotFoundError(`no organisation ${org} that you belong to`);
    if (limit !== null && limit !== Number(row.id)) {
      throw new ForbiddenError('a token limited to one organisation cannot make tokens for another');
    }
    return Number(row.id);
  }

  async #mint(
    trx: Db,
    userId: number,
    name: string,
    scopes: Scope[],
    expires: Date | null,
    orgId: number | null = null,
  ): Promise<CreatedToken> {
    const token = generateToken();
    const row = await tokens.insertToken(trx, {
      user_id: userId,
      name,
      token_hash: hashToken(token),
      prefix: tokenPrefix(token),
      scopes,
      expires_at: expires,
      org_id: orgId,
    });
    return { ...toTokenInfo(row), token };
  }

  async #userInfo(
    db: Db,
    user: { id: number; handle: string; display_name: string | null; role: UserInfo['role']; created_at: Date },
  ): Promise<UserInfo> {
    const accounts = await users.listAwsAccounts(db, user.id);
    return {
      handle: user.handle,
      display_name: user.display_name,
      role: user.role,
      created_at: iso(user.created_at)!,
      aws_accounts: accounts.map((a) => ({ account_id: a.account_id, arn: a.arn, proven_at: iso(a.proven_at)! })),
    };
  }
}

/**
 * The admin token is chosen by the operator and may be short or reused elsewhere, so none of it is
 * stored in plain text: its "prefix" is the start of its SHA-256, marked as such.
 */
export function adminLabel(hash: string): string {
  return `sha256:${hash.slice(0, 8)}`;
}

export function toTokenInfo(row: Selectable<ApiTokensTable>): TokenInfo {
  return {
    id: String(row.id),
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes as Scope[],
    created_at: iso(row.created_at)!,
    expires_at: iso(row.expires_at),
    last_used_at: iso(row.last_used_at),
    revoked_at: iso(row.revoked_at),
  };
}

export function requireScope(principal: Principal, scope: Scope): void {
  if (!principal.scopes.includes(scope)) {
    throw new ForbiddenError(
      `this token lacks the "${scope}" scope; create one with it (cws token create --scope ${scope})`,
    );
  }
}

export function requireAdmin(principal: Principal): void {
  if (principal.role !== 'admin' || !principal.scopes.includes('admin')) {
    throw new ForbiddenError('only an administrator can do this');
  }
}

/**
 * Owners change their listings; maintainers and admins may act on anyone's; an organisation's
 * publishers and admins on its listings (given the viewer's scope). A token limited to an
 * organisation acts on that organisation's listings only.
 */
export function canManage(principal: Principal, ownerId: number, scope?: AccessScope | null): boolean {
  const owner = Number(ownerId);
  const limit = principal.orgId ?? null;
  if (limit !== null && owner !== limit) return false;
  if (limit === null && (principal.userId === owner || principal.role === 'maintainer' || principal.role === 'admin')) {
    return true;
  }
  return scope ? scope.publisherOrgIds.includes(owner) : false;
}
