import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { DeviceCode, DeviceCodeBody, DeviceToken } from '@cws/shared';
import type { Logger } from 'pino';
import { generateToken, hashToken, type Principal, tokenPrefix } from '../auth/tokens.js';
import type { Database } from '../db/database.js';
import { audit } from '../db/queries/audit.js';
import * as q from '../db/queries/device.js';
import { findToken, insertToken } from '../db/queries/tokens.js';
import { DomainError, ForbiddenError, NotFoundError } from '../errors.js';

/** Codes live 10 minutes; the CLI polls every 5 s and is told to slow down when faster. */
export const DEVICE_CODE_TTL_S = 600;
export const POLL_INTERVAL_S = 5;
/** Tokens made by `cws login --sso` last 90 days: a person signs in again through the IdP after that. */
export const DEVICE_TOKEN_TTL_DAYS = 90;
export const DEVICE_SCOPES = ['rate', 'publish'];
/** RFC 8628 6.1: no vowels (no words), no look-alikes; 20^8 ≈ 2.6e10 codes. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

/** A user code as people type it: case, dashes and spaces do not matter. */
export function normaliseUserCode(input: string): string | null {
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  return code.length === 8 && [...code].every((c) => USER_CODE_ALPHABET.includes(c)) ? code : null;
}

const userCodeHash = (normalised: string) => createHash('sha256').update(`cws-user-code\0${normalised}`).digest('hex');

export type UserCodeState =
  | { state: 'pending'; id: number; clientName: string }
  | { state: 'approved' | 'denied' | 'expired' | 'unknown' };

/**
 * What approving would give the terminal, bounded like the account page's tokens: the device
 * scopes the approver's session may itself give (a `cws web login` session acts within its token:
 * its scopes and organisation), never outliving that token. No scopes: it cannot approve.
 */
export interface DeviceGrant {
  scopes: string[];
  orgId: number | null;
  parentTokenId: number | null;
}

export function deviceGrant(principal: Principal): DeviceGrant {
  return {
    scopes: DEVICE_SCOPES.filter((s) => principal.scopes.includes(s)),
    orgId: principal.orgId ?? null,
    parentTokenId: principal.tokenId > 0 ? principal.tokenId : null,
  };
}

/** Device-authorisation sign-in for the CLI: codes stored hashed, single use, expiring. */
export class DeviceService {
  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async start(body: DeviceCodeBody, verificationUri: string): Promise<DeviceCode> {
    const deviceCode = randomBytes(32).toString('base64url');
    let userCode = '';
    for (let i = 0; i < 8; i++) userCode += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
    const now = this.now();
    await q.deleteExpired(this.database.db, now);
    await q.insertDeviceAuthorization(this.database.db, {
      device_code_hash: hashToken(deviceCode),
      user_code_hash: userCodeHash(userCode),
      client_name: body.client_name ?? 'cws',
      expires_at: new Date(now.getTime() + DEVICE_CODE_TTL_S * 1000),
      interval_seconds: POLL_INTERVAL_S,
    });
    const shown = `${userCode.slice(0, 4)}-${userCode.slice(4)}`;
    return {
      device_code: deviceCode,
      user_code: shown,
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}?code=${shown}`,
      expires_in: DEVICE_CODE_TTL_S,
      interval: POLL_INTERVAL_S,
    };
  }

  /** What a typed user code is, for the approval page. */
  async lookup(input: string): Promise<UserCodeState> {
    const code = normaliseUserCode(input);
    if (!code) return { state: 'unknown' };
    const row = await q.findByUserCode(this.database.db, userCodeHash(code));
    if (!row) return { state: 'unknown' };
    if (row.approved_at) return { state: 'approved' };
    if (row.denied_at) return { state: 'denied' };
    if (new Date(row.expires_at) <= this.now()) return { state: 'expired' };
    return { state: 'pending', id: row.id, clientName: row.client_name };
  }

  /**
   * The signed-in person approves (or denies) the request behind a user code, within what their
   * session may give (`deviceGrant`); approving with no scope to give is refused.
   */
  async decide(principal: Principal, input: string, approve: boolean): Promise<UserCodeState['state']> {
    const found = await this.lookup(input);
    if (found.state !== 'pending') return found.state;
    const grant = deviceGrant(principal);
    if (approve && grant.scopes.length === 0) {
      throw new ForbiddenError(
        `this session cannot sign in a terminal: it was started from a token without ${DEVICE_SCOPES.join(' or ')}; sign in with a token that has them, or through your institution`,
      );
    }
    const done = await this.database.transaction(async (trx) => {
      const row = await q.decide(trx, found.id, principal.userId, approve, this.now(), grant);
      if (row) {
        await audit(trx, {
          actor_id: principal.userId,
          action: approve ? 'device.approve' : 'device.deny',
          details: {
            client: found.clientName,
            ...(approve ? { scopes: grant.scopes, via_token: grant.parentTokenId } : {}),
          },
          org_id: grant.orgId,
        });
      }
      return row;
    });
    if (!done) return (await this.lookup(input)).state;
    return approve ? 'approved' : 'denied';
  }

  /** The CLI's poll: the token once approved, else the RFC 8628 error that says what to do. */
  async poll(deviceCode: string): Promise<DeviceToken> {
    const now = this.now();
    const row = await q.findByDeviceCode(this.database.db, hashToken(deviceCode));
    if (!row) throw new NotFoundError('unknown device code; start again with cws login --sso');
    if (row.consumed_at) throw new DomainError('expired_token', 'this device code was used already; start again');
    if (row.denied_at) throw new DomainError('access_denied', 'the sign-in was denied in the browser');
    if (new Date(row.expires_at) <= now) {
      throw new DomainError('expired_token', 'the code expired before it was approved; start again');
    }
    if (!row.approved_at) {
      const last = row.last_polled_at ? new Date(row.last_polled_at).getTime() : 0;
      const tooSoon = now.getTime() - last < row.interval_seconds * 1000;
      // RFC 8628 3.5: a client that polls too fast waits 5 s longer from then on.
      const interval = tooSoon ? row.interval_seconds + 5 : row.interval_seconds;
      await q.recordPoll(this.database.db, row.id, now, interval);
      if (tooSoon) throw new DomainError('slow_down', `poll at most every ${interval} s`);
      throw new DomainError('authorization_pending', 'waiting for the person to approve the code in the browser');
    }
    if (row.disabled_at) throw new DomainError('access_denied', 'the account that approved is disabled');
    const token = generateToken();
    const scopes = row.scopes ?? DEVICE_SCOPES;
    const issued = await this.database.transaction(async (trx) => {
      const spent = await q.consume(trx, row.id, now);
      if (!spent || spent.user_id === null) return null;
      let expiresAt = new Date(now.getTime() + DEVICE_TOKEN_TTL_DAYS * 86_400_000);
      if (row.parent_token_id !== null) {
        // Approved from a cws web login session: its token must still be live, and caps the expiry.
        const parent = await findToken(trx, spent.user_id, row.parent_token_id);
        const parentExpires = parent?.expires_at ? new Date(parent.expires_at) : null;
        if (!parent || parent.revoked_at || (parentExpires && parentExpires <= now)) return 'parent';
        if (parentExpires && parentExpires < expiresAt) expiresAt = parentExpires;
      }
      const inserted = await insertToken(trx, {
        user_id: spent.user_id,
        name: `cws login --sso (${spent.client_name})`.slice(0, 100),
        token_hash: hashToken(token),
        prefix: tokenPrefix(token),
        scopes,
        expires_at: expiresAt,
        org_id: row.org_id,
      });
      await q.setToken(trx, row.id, inserted.id);
      await audit(trx, {
        actor_id: spent.user_id,
        action: 'token.create',
        target: `token:${inserted.id}`,
        details: {
          scopes,
          via: 'device',
          ...(row.parent_token_id !== null ? { within_token: row.parent_token_id } : {}),
        },
        org_id: row.org_id,
      });
      return { inserted, expiresAt };
    });
    if (!issued) throw new DomainError('expired_token', 'this device code was used already; start again');
    if (issued === 'parent') {
      throw new DomainError(
        'access_denied',
        'the token whose web session approved this sign-in was revoked or expired; start again',
      );
    }
    this.logger.info({ user: row.handle, client: row.client_name }, 'device sign-in completed');
    return {
      access_token: token,
      token_type: 'bearer',
      token_id: String(issued.inserted.id),
      expires_at: issued.expiresAt.toISOString(),
      scopes,
      handle: row.handle!,
    };
  }
}
