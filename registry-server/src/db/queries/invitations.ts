import { type SqlBool, sql } from 'kysely';
import type { Db } from '../database.js';
import type { InvitationsTable } from '../tables/invitations.js';

export function insertInvitation(
  db: Db,
  row: {
    code_hash: string;
    kind: InvitationsTable['kind'];
    role: InvitationsTable['role'];
    note: string | null;
    created_by: number | null;
    expires_at: Date;
  },
) {
  return db.insertInto('invitations').values(row).returningAll().executeTakeFirstOrThrow();
}

/** An invitation by its secret's hash, whatever its state, with the inviter's handle. */
export function findInvitationByHash(db: Db, codeHash: string) {
  return db
    .selectFrom('invitations as i')
    .leftJoin('users as u', 'u.id', 'i.created_by')
    .selectAll('i')
    .select(['u.handle as inviter', 'u.role as inviter_role', 'u.disabled_at as inviter_disabled_at'])
    .where('i.code_hash', '=', codeHash)
    .executeTakeFirst();
}

/**
 * Spends an invitation if it is unused, unrevoked and unexpired, its inviter still an active
 * admin, and (first-run link) no active admin exists yet. One statement: two clicks race, one wins.
 */
export function consumeInvitation(db: Db, codeHash: string, now: Date) {
  return db
    .updateTable('invitations as i')
    .set({ used_at: now })
    .where('i.code_hash', '=', codeHash)
    .where('i.used_at', 'is', null)
    .where('i.revoked_at', 'is', null)
    .where('i.expires_at', '>', now)
    .where(
      sql<SqlBool>`(i.created_by IS NULL OR EXISTS (SELECT 1 FROM users u WHERE u.id = i.created_by
        AND u.role = 'admin' AND u.disabled_at IS NULL))`,
    )
    .where(
      sql<SqlBool>`(i.kind <> 'first_admin' OR NOT EXISTS (SELECT 1 FROM users a WHERE a.kind = 'user'
        AND a.role = 'admin' AND a.disabled_at IS NULL))`,
    )
    .returningAll()
    .executeTakeFirst();
}

export function setInvitationUser(db: Db, id: number, userId: number) {
  return db.updateTable('invitations').set({ used_by: userId }).where('id', '=', id).execute();
}

/** Invitations of the registry (first-run links included), newest first, keyset on id. */
export function listInvitations(db: Db, limit: number, beforeId?: number) {
  let q = db
    .selectFrom('invitations as i')
    .leftJoin('users as c', 'c.id', 'i.created_by')
    .leftJoin('users as n', 'n.id', 'i.used_by')
    .selectAll('i')
    .select(['c.handle as inviter', 'n.handle as invitee']);
  if (beforeId !== undefined) q = q.where('i.id', '<', beforeId);
  return q.orderBy('i.id', 'desc').limit(limit).execute();
}

export function findInvitation(db: Db, id: number) {
  return db
    .selectFrom('invitations as i')
    .leftJoin('users as c', 'c.id', 'i.created_by')
    .leftJoin('users as n', 'n.id', 'i.used_by')
    .selectAll('i')
    .select(['c.handle as inviter', 'n.handle as invitee'])
    .where('i.id', '=', id)
    .executeTakeFirst();
}

export function revokeInvitation(db: Db, id: number, now: Date) {
  return db
    .updateTable('invitations')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
}

/** Drops invitations a month past expiry (kept that long to say "already used" or "expired"). */
export function deleteOldInvitations(db: Db, now: Date) {
  return db
    .deleteFrom('invitations')
    .where('expires_at', '<=', new Date(now.getTime() - 30 * 86_400_000))
    .execute();
}
