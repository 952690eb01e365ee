import type { Db } from '../database.js';

export function insertDeviceAuthorization(
  db: Db,
  row: {
    device_code_hash: string;
    user_code_hash: string;
    client_name: string;
    expires_at: Date;
    interval_seconds: number;
  },
) {
  return db.insertInto('device_authorizations').values(row).returning('id').executeTakeFirstOrThrow();
}

export function findByUserCode(db: Db, userCodeHash: string) {
  return db
    .selectFrom('device_authorizations')
    .select(['id', 'client_name', 'expires_at', 'approved_at', 'denied_at', 'consumed_at'])
    .where('user_code_hash', '=', userCodeHash)
    .executeTakeFirst();
}

export function findByDeviceCode(db: Db, deviceCodeHash: string) {
  return db
    .selectFrom('device_authorizations as d')
    .leftJoin('users as u', 'u.id', 'd.user_id')
    .select([
      'd.id',
      'd.client_name',
      'd.expires_at',
      'd.interval_seconds',
      'd.last_polled_at',
      'd.user_id',
      'd.approved_at',
      'd.denied_at',
      'd.consumed_at',
      'd.scopes',
      'd.org_id',
      'd.parent_token_id',
      'u.handle',
      'u.disabled_at',
    ])
    .where('d.device_code_hash', '=', deviceCodeHash)
    .executeTakeFirst();
}

/** Approves or denies a pending, unexpired request; undefined when it is not pending any more. */
export function decide(
  db: Db,
  id: number,
  userId: number,
  approve: boolean,
  now: Date,
  grant: { scopes: string[]; orgId: number | null; parentTokenId: number | null },
) {
  return db
    .updateTable('device_authorizations')
    .set(
      approve
        ? {
            user_id: userId,
            approved_at: now,
            scopes: grant.scopes,
            org_id: grant.orgId,
            parent_token_id: grant.parentTokenId,
          }
        : { user_id: userId, denied_at: now },
    )
    .where('id', '=', id)
    .where('approved_at', 'is', null)
    .where('denied_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('id')
    .executeTakeFirst();
}

export function recordPoll(db: Db, id: number, now: Date, intervalSeconds: number) {
  return db
    .updateTable('device_authorizations')
    .set({ last_polled_at: now, interval_seconds: intervalSeconds })
    .where('id', '=', id)
    .execute();
}

/** Spends an approved request once: two polls race, one gets the token. */
export function consume(db: Db, id: number, now: Date) {
  return db
    .updateTable('device_authorizations')
    .set({ consumed_at: now })
    .where('id', '=', id)
    .where('approved_at', 'is not', null)
    .where('consumed_at', 'is', null)
    .returning(['user_id', 'client_name'])
    .executeTakeFirst();
}

export function setToken(db: Db, id: number, tokenId: number) {
  return db.updateTable('device_authorizations').set({ token_id: tokenId }).where('id', '=', id).execute();
}

/** Requests a day past expiry go (kept that long to say "expired" rather than "unknown"). */
export function deleteExpired(db: Db, now: Date) {
  return db
    .deleteFrom('device_authorizations')
    .where('expires_at', '<=', new Date(now.getTime() - 86_400_000))
    .execute();
}
