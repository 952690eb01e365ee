import { createHash, randomBytes } from 'node:crypto';
import type { SessionInfo } from '@cws/shared';
import type { Logger } from 'pino';
import { hashToken, type Principal } from '../auth/tokens.js';
import type { Database } from '../db/database.js';
import { audit } from '../db/queries/audit.js';
import * as q from '../db/queries/sessions.js';
import { NotFoundError } from '../errors.js';
import { iso } from './present.js';

/** A one-time sign-in code lives this long: enough to click a link, too short to be worth stealing. */
export const LOGIN_CODE_TTL_MS = 5 * 60_000;
export const SESSION_TTL_MS = 7 * 86_400_000;
/**
 * What a web session may do, at most: the pages rate, and an admin's pages invite people.
 * Publishing stays with tokens (the account page makes them).
 */
export const WEB_SCOPES = ['rate', 'admin'] as const;

export interface WebSession {
  /**
   * The session user as the services know users. Sessions are not tokens: tokenId is 0,
   * which no token has (bigserial starts at 1). Rate limits for pages key on the user instead.
   */
  principal: Principal;
  /** Per-session CSRF token for forms: derived from the secret session id, never stored. */
  csrfToken: string;
  via: 'link' | 'saml';
  expiresAt: Date;
  /** The token whose sign-in link started the session (cws web login): tokens made here stay within it. */
  originTokenId: number | null;
}

export type RedeemResult =
  | { ok: true; session: StartedSession }
  | { ok: false; reason: 'unknown' | 'used' | 'expired' };

export interface StartedSession {
  /** The secret that goes into the cookie. */
  id: string;
  expiresAt: Date;
}

export type CodeState = { state: 'valid' | 'used' | 'expired'; handle: string } | null;

const newSecret = () => randomBytes(32).toString('base64url');

/** The CSRF token of a session: a one-way function of its secret id with a distinct label. */
export function csrfTokenFor(sessionId: string): string {
  return createHash('sha256').update(`cws-csrf\0${sessionId}`).digest('base64url');
}

/** Browser sign-in: one-time codes bound to a token's user, and cookie sessions stored hashed. */
export class SessionService {
  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A single-use code for the principal; the session it starts gets the token's web scopes. */
  async createLoginCode(principal: Principal): Promise<{ code: string; expiresAt: Date }> {
    const code = newSecret();
    const expiresAt = new Date(this.now().getTime() + LOGIN_CODE_TTL_MS);
    await q.insertLoginCode(this.database.db, {
      code_hash: hashToken(code),
      user_id: principal.userId,
      token_id: principal.tokenId > 0 ? principal.tokenId : null,
      // A token limited to an organisation never yields a session that administers the registry.
      scopes: WEB_SCOPES.filter((s) => principal.scopes.includes(s) && !(s === 'admin' && principal.orgId)),
      expires_at: expiresAt,
    });
    return { code, expiresAt };
  }

  /** What a code is, without using it up (the confirmation page shows whose it is). */
  async inspectLoginCode(code: string): Promise<CodeState> {
    const row = await q.findLoginCode(this.database.db, hashToken(code));
    if (!row || row.disabled_at) return null;
    const now = this.now();
    if (row.used_at) return { state: 'used', handle: row.handle };
    const tokenDead =
      row.token_id !== null &&
      (row.token_revoked_at !== null || (row.token_expires_at !== null && new Date(row.token_expires_at) <= now));
    if (new Date(row.expires_at) <= now || tokenDead) return { state: 'expired', handle: row.handle };
    return { state: 'valid', handle: row.handle };
  }

  /** Uses the code up and starts a session, in one transaction: a code never yields two sessions. */
  async redeemLoginCode(code: string): Promise<RedeemResult> {
    const hash = hashToken(code);
    const now = this.now();
    const result = await this.database.transaction(async (trx): Promise<RedeemResult> => {
      const used = await q.consumeLoginCode(trx, hash, now);
      if (!used) return { ok: false, reason: 'unknown' };
      const session = await this.#insert(trx, used.user_id, used.scopes, 'link', used.token_id);
      await audit(trx, { actor_id: used.user_id, action: 'web.sign_in', details: { via: 'link' } });
      return { ok: true, session };
    });
    if (result.ok) return result;
    const state = await this.inspectLoginCode(code);
    return { ok: false, reason: state === null ? 'unknown' : state.state === 'used' ? 'used' : 'expired' };
  }

  /** Starts a session for a user who proved who they are some other way (SAML). */
  async start(userId: number, scopes: readonly string[], via: 'link' | 'saml'): Promise<StartedSession> {
    const allowed = WEB_SCOPES.filter((s) => scopes.includes(s));
    return this.database.transaction(async (trx) => {
      const session = await this.#insert(trx, userId, allowed, via, null);
      await audit(trx, { actor_id: userId, action: 'web.sign_in', details: { via } });
      return session;
    });
  }

  /** The live session behind a cookie value, or null. */
  async find(sessionId: string): Promise<WebSession | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(sessionId)) return null;
    const row = await q.findLiveSession(this.database.db, hashToken(sessionId), this.now());
    if (!row) return null;
    return {
      principal: { userId: row.user_id, handle: row.handle, role: row.role, scopes: row.scopes, tokenId: 0 },
      csrfToken: csrfTokenFor(sessionId),
      via: row.via,
      expiresAt: new Date(row.expires_at),
      originTokenId: row.token_id === null ? null : Number(row.token_id),
    };
  }

  /** Signs out: the session row goes, so the cookie is worthless even if kept. */
  async end(sessionId: string): Promise<void> {
    const deleted = await q.deleteSession(this.database.db, hashToken(sessionId));
    if (Number(deleted.numDeletedRows) > 0) this.logger.debug('web session ended');
  }

  /** The user's live sessions, for GET /me/sessions: ids and times, never the secret. */
  async list(userId: number): Promise<SessionInfo[]> {
    const rows = await q.listLiveSessions(this.database.db, userId, this.now());
    return rows.map(toSessionInfo);
  }

  /** Ends one of the user's sessions by id (DELETE /me/sessions/{id}). */
  async endById(userId: number, id: number): Promise<SessionInfo> {
    const row = await q.deleteUserSession(this.database.db, userId, id);
    if (!row) throw new NotFoundError(`you have no session with id ${id}`);
    await audit(this.database.db, { actor_id: userId, action: 'web.session_end', target: `session:${id}` });
    return toSessionInfo(row);
  }

  async #insert(
    trx: Parameters<typeof q.insertSession>[0],
    userId: number,
    scopes: string[],
    via: 'link' | 'saml',
    tokenId: number | null,
  ) {
    const now = this.now();
    // Housekeeping rides on sign-ins: rare enough to be free, frequent enough to keep the tables small.
    await q.deleteExpired(trx, now);
    const id = newSecret();
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await q.insertSession(trx, {
      session_hash: hashToken(id),
      user_id: userId,
      token_id: tokenId,
      scopes,
      via,
      expires_at: expiresAt,
    });
    return { id, expiresAt };
  }
}

function toSessionInfo(row: {
  id: number;
  via: 'link' | 'saml';
  token_id: number | null;
  created_at: Date;
  expires_at: Date;
}): SessionInfo {
  return {
    id: String(row.id),
    via: row.via,
    token_id: row.token_id === null ? null : String(row.token_id),
    created_at: iso(row.created_at)!,
    expires_at: iso(row.expires_at)!,
  };
}
