import { type SqlBool, sql } from 'kysely';
import type { Db } from '../database.js';

export function insertLoginCode(
  db: Db,
  code: { code_hash: string; user_id: number; token_id: number | null; scopes: string[]; expires_at: Date },
) {
  return db.insertInto('web_login_codes').values(code).execute();
}

/**
 * Marks a code used if it is unused, unexpired, its user is not disabled and the token that
 * asked for it is still live. One statement: two clicks race, one wins.
 */
export function consumeLoginCode(db: Db, codeHash: string, now: Date) {
  return db
    .updateTable('web_login_codes as c')
    .set({ used_at: now })
    .where('c.code_hash', '=', codeHash)
    .where('c.used_at', 'is', null)
    .where('c.expires_at', '>', now)
    .where(sql<SqlBool>`NOT EXISTS (SELECT 1 FROM users u WHERE u.id = c.user_id AND u.disabled_at IS NOT NULL)`)
    .where(
      sql<SqlBool>`(c.token_id IS NULL OR EXISTS (SELECT 1 FROM api_tokens t WHERE t.id = c.token_id
        AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ${now})))`,
    )
    .returning(['c.user_id', 'c.scopes', 'c.token_id'])
    .executeTakeFirst();
}

/** A code with its user's handle, whatever its state (to explain why it does not work). */
export function findLoginCode(db: Db, codeHash: string) {
  return db
    .selectFrom('web_login_codes as c')
    .innerJoin('users as u', 'u.id', 'c.user_id')
    .leftJoin('api_tokens as t', 't.id', 'c.token_id')
    .select([
      'c.expires_at',
      'c.used_at',
      'c.token_id',
      'u.handle',
      'u.disabled_at',
      't.revoked_at as token_revoked_at',
      't.expires_at as token_expires_at',
    ])
    .where('c.code_hash', '=', codeHash)
    .executeTakeFirst();
}

export function insertSession(
  db: Db,
  session: {
    session_hash: string;
    user_id: number;
    token_id: number | null;
    scopes: string[];
    via: 'link' | 'saml';
    expires_at: Date;
  },
) {
  return db.insertInto('web_sessions').values(session).returning('id').executeTakeFirstOrThrow();
}

/**
 * The live session and its user, or undefined: unknown, expired, the user is disabled, or the
 * token that started it is revoked or expired. Checked on every use, not only at sign-in.
 */
export function findLiveSession(db: Db, sessionHash: string, now: Date) {
  return db
    .selectFrom('web_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id', 's.scopes', 's.via', 's.expires_at', 's.token_id', 'u.id as user_id', 'u.handle', 'u.role'])
    .where('s.session_hash', '=', sessionHash)
    .where('s.expires_at', '>', now)
    .where('u.disabled_at', 'is', null)
    .where(liveOrigin(now))
    .executeTakeFirst();
}

const liveOrigin = (now: Date) =>
  sql<SqlBool>`(s.token_id IS NULL OR EXISTS (SELECT 1 FROM api_tokens t WHERE t.id = s.token_id
    AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ${now})))`;

/** A user's live sessions, newest first (never their hashes). */
export function listLiveSessions(db: Db, userId: number, now: Date) {
  return db
    .selectFrom('web_sessions as s')
    .select(['s.id', 's.via', 's.token_id', 's.created_at', 's.expires_at'])
    .where('s.user_id', '=', userId)
    .where('s.expires_at', '>', now)
    .where(liveOrigin(now))
    .orderBy('s.id', 'desc')
    .execute();
}

export function deleteUserSession(db: Db, userId: number, id: number) {
  return db
    .deleteFrom('web_sessions')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .returning(['id', 'via', 'token_id', 'created_at', 'expires_at'])
    .executeTakeFirst();
}

export function deleteSession(db: Db, sessionHash: string) {
  return db.deleteFrom('web_sessions').where('session_hash', '=', sessionHash).executeTakeFirst();
}

/** Drops expired sessions, and codes a day past expiry (kept that long to say "already used"). */
export async function deleteExpired(db: Db, now: Date) {
  await db.deleteFrom('web_sessions').where('expires_at', '<=', now).execute();
  await db
    .deleteFrom('web_login_codes')
    .where('expires_at', '<=', new Date(now.getTime() - 86_400_000))
    .execute();
}
