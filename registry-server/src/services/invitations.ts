import { randomBytes } from 'node:crypto';
import type { CreatedInvitation, CreateInvitationBody, InvitationInfo, InvitationPage } from '@cws/shared';
import type { Selectable } from 'kysely';
import type { Logger } from 'pino';
import { hashToken, type Principal } from '../auth/tokens.js';
import type { Database } from '../db/database.js';
import { isUniqueViolation } from '../db/errors.js';
import { audit } from '../db/queries/audit.js';
import * as q from '../db/queries/invitations.js';
import * as users from '../db/queries/users.js';
import type { InvitationsTable } from '../db/tables/invitations.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { requireAdmin } from './auth.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { iso } from './present.js';

/** The first-run admin link works for an hour: the operator opens it right after the start. */
export const FIRST_RUN_TTL_MS = 60 * 60_000;
/** Where an invitation link points, under the registry's URL. */
export const INVITE_PATH = '/invite/';
export const INVITE_CODE = /^[A-Za-z0-9_-]{43}$/;

export type InvitationCheck =
  | {
      state: 'valid';
      kind: InvitationsTable['kind'];
      role: InvitationsTable['role'];
      inviter: string | null;
      expiresAt: Date;
    }
  | { state: 'used' | 'expired' | 'revoked' | 'unknown' };

export type AcceptResult =
  | { ok: true; userId: number; handle: string; role: InvitationsTable['role'] }
  | { ok: false; reason: 'used' | 'expired' | 'revoked' | 'unknown' };

type Row = Selectable<InvitationsTable> & { inviter: string | null; invitee?: string | null };

const isIdCursor = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

/**
 * Invitations: single-use, expiring links (stored as their SHA-256) that create an account when
 * opened, the invitee choosing a handle. The first-run link of a registry without an admin is
 * one too, of kind first_admin: it makes the first admin and dies as soon as any admin exists.
 */
export class InvitationService {
  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * While no active admin exists, a new first-run link (a secret: the caller prints it for the
   * operator, never into the logs); null once there is an admin.
   */
  async firstRun(): Promise<{ code: string; expiresAt: Date } | null> {
    if ((await users.countActiveAdmins(this.database.db)) > 0) return null;
    const code = newCode();
    const expiresAt = new Date(this.now().getTime() + FIRST_RUN_TTL_MS);
    await q.insertInvitation(this.database.db, {
      code_hash: hashToken(code),
      kind: 'first_admin',
      role: 'admin',
      note: 'first-run link printed by cws-registry serve',
      created_by: null,
      expires_at: expiresAt,
    });
    this.logger.info({ expires_at: expiresAt.toISOString() }, 'no admin yet: a first-run sign-in link was printed');
    return { code, expiresAt };
  }

  /** A new invitation by a registry admin; the link (with its secret) is in the answer only. */
  async create(principal: Principal, body: CreateInvitationBody, baseUrl: string): Promise<CreatedInvitation> {
    requireRegistryAdmin(principal);
    const code = newCode();
    const expiresAt = new Date(this.now().getTime() + body.expires_in_days * 86_400_000);
    const row = await this.database.transaction(async (trx) => {
      await q.deleteOldInvitations(trx, this.now());
      const inserted = await q.insertInvitation(trx, {
        code_hash: hashToken(code),
        kind: 'invite',
        role: body.role,
        note: body.note ?? null,
        created_by: principal.userId,
        expires_at: expiresAt,
      });
      await audit(trx, {
        actor_id: principal.userId,
        action: 'invitation.create',
        target: `invitation:${inserted.id}`,
        details: { role: body.role, expires_at: expiresAt.toISOString() },
      });
      return inserted;
    });
    return {
      ...this.#info({ ...row, inviter: principal.handle, invitee: null }),
      url: `${baseUrl.replace(/\/+$/, '')}${INVITE_PATH}${code}`,
    };
  }

  async list(principal: Principal, query: { limit: number; cursor?: string }): Promise<InvitationPage> {
    requireRegistryAdmin(principal);
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isIdCursor);
    const rows = await q.listInvitations(this.database.db, query.limit + 1, before);
    const page = rows.slice(0, query.limit);
    return {
      items: page.map((r) => this.#info(r)),
      next_cursor: rows.length > query.limit ? encodeCursor(Number(page[page.length - 1]!.id)) : null,
    };
  }

  async revoke(principal: Principal, id: number): Promise<InvitationInfo> {
    requireRegistryAdmin(principal);
    await this.database.transaction(async (trx) => {
      const existing = await q.findInvitation(trx, id);
      if (!existing) throw new NotFoundError(`no invitation with id ${id}`);
      if (existing.used_at) throw new ConflictError(`invitation ${id} was used already; disable the account instead`);
      const done = await q.revokeInvitation(trx, id, this.now());
      if (done) {
        await audit(trx, { actor_id: principal.userId, action: 'invitation.revoke', target: `invitation:${id}` });
      }
    });
    const row = await q.findInvitation(this.database.db, id);
    return this.#info(row!);
  }

  /** What a link is, without spending it (the page shows what it does before anyone commits). */
  async inspect(code: string): Promise<InvitationCheck> {
    if (!INVITE_CODE.test(code)) return { state: 'unknown' };
    const row = await q.findInvitationByHash(this.database.db, hashToken(code));
    if (!row) return { state: 'unknown' };
    const state = this.#state(row);
    if (state === 'used' || state === 'revoked' || state === 'expired') return { state };
    // An inviter who is no longer an active admin cannot bring anyone in.
    if (row.created_by !== null && (row.inviter_disabled_at !== null || row.inviter_role !== 'admin')) {
      return { state: 'revoked' };
    }
    if (row.kind === 'first_admin' && (await users.countActiveAdmins(this.database.db)) > 0) return { state: 'used' };
    return {
      state: 'valid',
      kind: row.kind,
      role: row.role,
      inviter: row.inviter,
      expiresAt: new Date(row.expires_at),
    };
  }

  /**
   * Spends the link and creates the account, in one transaction: a link never makes two
   * accounts, and a taken handle (ConflictError) leaves the link unspent to try another.
   */
  async accept(code: string, account: { handle: string; display_name?: string | null }): Promise<AcceptResult> {
    if (!INVITE_CODE.test(code)) return { ok: false, reason: 'unknown' };
    const hash = hashToken(code);
    const result = await this.database.transaction(async (trx): Promise<AcceptResult | null> => {
      const spent = await q.consumeInvitation(trx, hash, this.now());
      if (!spent) return null;
      if (await users.findUserByHandle(trx, account.handle)) {
        throw new ConflictError(`the handle ${account.handle} is taken; choose another`);
      }
      let user: Awaited<ReturnType<typeof users.insertUser>>;
      try {
        user = await users.insertUser(trx, {
          handle: account.handle,
          display_name: account.display_name ?? null,
          role: spent.role,
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError(`the handle ${account.handle} is taken; choose another`);
        throw err;
      }
      await q.setInvitationUser(trx, spent.id, user.id);
      await audit(trx, {
        actor_id: user.id,
        action: spent.kind === 'first_admin' ? 'user.first_admin' : 'invitation.accept',
        target: account.handle,
        details: { invitation: String(spent.id), role: spent.role, invited_by: spent.created_by },
      });
      return { ok: true, userId: user.id, handle: user.handle, role: user.role };
    });
    if (result) {
      this.logger.info({ user: result.ok ? result.handle : null }, 'invitation accepted');
      return result;
    }
    const state = await this.inspect(code);
    return { ok: false, reason: state.state === 'valid' ? 'expired' : state.state };
  }

  #state(row: Selectable<InvitationsTable>): InvitationInfo['state'] {
    if (row.used_at) return 'used';
    if (row.revoked_at) return 'revoked';
    if (new Date(row.expires_at) <= this.now()) return 'expired';
    return 'pending';
  }

  #info(row: Row): InvitationInfo {
    return {
      id: String(row.id),
      kind: row.kind,
      role: row.role,
      note: row.note,
      state: this.#state(row),
      created_by: row.inviter,
      created_at: iso(row.created_at)!,
      expires_at: iso(row.expires_at)!,
      used_at: iso(row.used_at),
      used_by: row.invitee ?? null,
    };
  }
}

const newCode = () => randomBytes(32).toString('base64url');

function requireRegistryAdmin(principal: Principal): void {
  requireAdmin(principal);
  if (principal.orgId) throw new ForbiddenError('a token limited to an organisation cannot invite people');
}
