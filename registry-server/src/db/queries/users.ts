import { ConflictError } from '../../errors.js';
import type { Db } from '../database.js';
import type { UsersTable } from '../tables/users.js';

export function findUserByHandle(db: Db, handle: string) {
  return db.selectFrom('users').selectAll().where('handle', '=', handle).executeTakeFirst();
}

export function insertUser(db: Db, user: { handle: string; display_name: string | null; role: UsersTable['role'] }) {
  return db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
}

/** Creates the user if the handle is free; returns the user and whether it was created. */
export async function ensureUser(db: Db, handle: string, role: UsersTable['role'] = 'user') {
  const inserted = await db
    .insertInto('users')
    .values({ handle, display_name: null, role })
    .onConflict((oc) => oc.column('handle').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { user: inserted, created: true };
  const existing = await db.selectFrom('users').selectAll().where('handle', '=', handle).executeTakeFirstOrThrow();
  // Organisations share the namespace: never hand an organisation out as a person.
  if (existing.kind === 'org') throw new ConflictError(`${handle} is an organisation, not a person`);
  return { user: existing, created: false };
}

export function setUserRole(db: Db, id: number, role: UsersTable['role']) {
  return db.updateTable('users').set({ role }).where('id', '=', id).execute();
}

export function listAwsAccounts(db: Db, userId: number) {
  return db
    .selectFrom('aws_accounts')
    .select(['account_id', 'arn', 'proven_at'])
    .where('user_id', '=', userId)
    .orderBy('proven_at')
    .execute();
}
