import type { CreatedToken, CreateTokenBody, Scope, TokenInfo } from '@cws/shared';
import type { Principal } from '../auth/tokens.js';
import type { Database } from '../db/database.js';
import * as tokens from '../db/queries/tokens.js';
import { ForbiddenError } from '../errors.js';
import type { AuthService } from './auth.js';
import type { WebSession } from './sessions.js';

/** Scopes a person's own tokens may have, by registry role. */
export function scopesForRole(role: Principal['role']): Scope[] {
  return role === 'admin' ? ['rate', 'publish', 'admin'] : ['rate', 'publish'];
}

/**
 * The account page's tokens: a signed-in person lists, makes and revokes their own API tokens.
 * A session started by a token's sign-in link (cws web login) makes tokens within that token
 * (its scopes, its organisation, never outliving it); one started by an invitation, the
 * first-run link or SAML stands for the person, so their role decides.
 */
export class AccountService {
  constructor(
    private readonly database: Database,
    private readonly auth: AuthService,
  ) {}

  /** The principal token calls run as, and the scopes this session may give a new token. */
  async tokenPrincipal(session: WebSession): Promise<Principal> {
    const base = session.principal;
    if (session.originTokenId === null) {
      return { ...base, scopes: scopesForRole(base.role), tokenId: 0, orgId: null };
    }
    const origin = await tokens.findToken(this.database.db, base.userId, session.originTokenId);
    if (!origin || origin.revoked_at)
      throw new ForbiddenError('the token that signed you in was revoked; sign in again');
    const allowed = scopesForRole(base.role);
    return {
      ...base,
      scopes: origin.scopes.filter((s) => allowed.includes(s as Scope)),
      tokenId: Number(origin.id),
      orgId: origin.org_id === null ? null : Number(origin.org_id),
    };
  }

  async list(session: WebSession): Promise<TokenInfo[]> {
    return this.auth.listTokens(session.principal);
  }

  async create(session: WebSession, body: CreateTokenBody): Promise<CreatedToken> {
    return this.auth.createToken(await this.tokenPrincipal(session), body);
  }

  async revoke(session: WebSession, id: number): Promise<TokenInfo> {
    return this.auth.revokeToken(session.principal, id);
  }
}
