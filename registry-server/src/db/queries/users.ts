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

/** People (not organisations) by handle, with a handle prefix and keyset paging. */
export function listPeople(db: Db, f: { prefix?: string; after?: string }, limit: number) {
  let q = db.selectFrom('users').selectAll().where('kind', '=', 'user');
  if (f.prefix) q = q.where('handle', 'like', `${f.prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  if (f.after !== undefined) q = q.where('handle', '>', f.after);
  return q.orderBy('handle').limit(limit).execute();
}

/** Memberships of these people, with organisation names. */
export function membershipsOfMany(db: Db, userIds: number[]) {
  if (userIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('organisation_members as m')
    .innerJoin('users as o', 'o.id', 'm.org_id')
    .select(['m.user_id', 'o.handle as name', 'm.role'])
    .where('m.user_id', 'in', userIds)
    .orderBy('o.handle')
    .execute();
}

export function setUserDisabled(db: Db, id: number, at: Date | null) {
  return db.updateTable('users').set({ disabled_at: at }).where('id', '=', id).execute();
}

/** Ends every browser session of a user. */
export function deleteSessionsOf(db: Db, userId: number) {
  return db.deleteFrom('web_sessions').where('user_id', '=', userId).executeTakeFirst();
}

export function countActiveAdmins(db: Db) {
  return db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('kind', '=', 'user')
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .executeTakeFirstOrThrow()
    .then((r) => Number(r.n));
}
