import type { Db } from '../database.js';

/** The link of an AWS account, with its user, or undefined. */
export function findAccount(db: Db, accountId: string) {
  return db
    .selectFrom('aws_accounts as a')
    .innerJoin('users as u', 'u.id', 'a.user_id')
    .select(['a.id', 'a.user_id', 'a.account_id', 'a.arn', 'a.proven_at', 'u.handle', 'u.role', 'u.disabled_at'])
    .where('a.account_id', '=', accountId)
    .executeTakeFirst();
}

export function insertAccount(db: Db, link: { user_id: number; account_id: string; arn: string }) {
  return db.insertInto('aws_accounts').values(link).returningAll().executeTakeFirstOrThrow();
}

/** A new proof of a linked account: the latest ARN and when. */
export function touchAccount(db: Db, id: number, arn: string) {
  return db.updateTable('aws_accounts').set({ arn, proven_at: new Date() }).where('id', '=', id).execute();
}

/** Accounts proven by any of these users. */
export async function provenAccounts(db: Db, userIds: number[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows = await db
    .selectFrom('aws_accounts')
    .select('account_id')
    .where('user_id', 'in', [...new Set(userIds)])
    .execute();
  return rows.map((r) => r.account_id);
}

/** Handles already taken among `base` and `base-N`, to pick a free one. */
export async function takenHandles(db: Db, base: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('users')
    .select('handle')
    .where((eb) => eb.or([eb('handle', '=', base), eb('handle', 'like', `${base}-%`)]))
    .execute();
  return new Set(rows.map((r) => r.handle));
}

export function findUserById(db: Db, id: number) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}
