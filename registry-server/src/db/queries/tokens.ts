import { sql } from 'kysely';
import type { Db } from '../database.js';

export function insertToken(
  db: Db,
  token: {
    user_id: number;
    name: string;
    token_hash: string;
    prefix: string;
    scopes: string[];
    expires_at: Date | null;
    org_id?: number | null;
  },
) {
  return db.insertInto('api_tokens').values(token).returningAll().executeTakeFirstOrThrow();
}

/**
 * The token and its user, if the token is live: not revoked, not expired, user not disabled.
 * One call of `live_token()` (migration 2026120322), whose plan the database keeps.
 */
export async function findLiveToken(db: Db, tokenHash: string) {
  const { rows } = await sql<{
    token_id: number;
    scopes: string[];
    expires_at: Date | null;
    org_id: number | null;
    user_id: number;
    handle: string;
    role: 'user' | 'maintainer' | 'admin';
    display_name: string | null;
    created_at: Date;
  }>`SELECT * FROM live_token(${tokenHash}::text, ${new Date()}::timestamptz)`.execute(db);
  return rows[0];
}

export function listTokens(db: Db, userId: number) {
  return db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('id').execute();
}

export function revokeToken(db: Db, userId: number, tokenId: number) {
  return db
    .updateTable('api_tokens')
    .set({ revoked_at: new Date() })
    .where('id', '=', tokenId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

export function findToken(db: Db, userId: number, tokenId: number) {
  return db
    .selectFrom('api_tokens')
    .selectAll()
    .where('id', '=', tokenId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/** Revokes a user's live tokens with this name except the one with keepHash (bootstrap rotation). */
export function revokeOtherTokensNamed(db: Db, userId: number, name: string, keepHash: string) {
  return db
    .updateTable('api_tokens')
    .set({ revoked_at: new Date() })
    .where('user_id', '=', userId)
    .where('name', '=', name)
    .where('token_hash', '<>', keepHash)
    .where('revoked_at', 'is', null)
    .execute();
}

export function touchTokens(db: Db, ids: number[]) {
  if (ids.length === 0) return Promise.resolve();
  return db.updateTable('api_tokens').set({ last_used_at: new Date() }).where('id', 'in', ids).execute();
}

export function setPrefix(db: Db, tokenId: number, prefix: string) {
  return db.updateTable('api_tokens').set({ prefix }).where('id', '=', tokenId).execute();
}
