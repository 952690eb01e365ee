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

/** The token and its user, if the token is live: not revoked, not expired, user not disabled. */
export function findLiveToken(db: Db, tokenHash: string) {
  return db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select([
      't.id as token_id',
      't.scopes',
      't.expires_at',
      't.org_id',
      'u.id as user_id',
      'u.handle',
      'u.role',
      'u.display_name',
      'u.created_at',
    ])
    .where('t.token_hash', '=', tokenHash)
    .where('t.revoked_at', 'is', null)
    .where('u.disabled_at', 'is', null)
    .where((eb) => eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>', new Date())]))
    .executeTakeFirst();
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
