import type { Db } from '../database.js';
import type { SamlIdentitiesTable } from '../tables/saml.js';

export function saveRequest(db: Db, request: { id: string; idp: string; expires_at: Date }) {
  return db
    .insertInto('saml_requests')
    .values(request)
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** The request's creation time if it is outstanding for this IdP and unexpired. */
export function findRequest(db: Db, id: string, idp: string, now: Date) {
  return db
    .selectFrom('saml_requests')
    .select(['created_at'])
    .where('id', '=', id)
    .where('idp', '=', idp)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

export function deleteRequest(db: Db, id: string, idp: string) {
  return db.deleteFrom('saml_requests').where('id', '=', id).where('idp', '=', idp).executeTakeFirst();
}

/** Records an accepted assertion; false when it was seen before (a replay). */
export async function markAssertionSeen(db: Db, idp: string, assertionId: string, expiresAt: Date): Promise<boolean> {
  const row = await db
    .insertInto('saml_assertions')
    .values({ idp, assertion_id: assertionId, expires_at: expiresAt })
    .onConflict((oc) => oc.columns(['idp', 'assertion_id']).doNothing())
    .returning('assertion_id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function deleteExpired(db: Db, now: Date) {
  await db.deleteFrom('saml_requests').where('expires_at', '<=', now).execute();
  await db.deleteFrom('saml_assertions').where('expires_at', '<=', now).execute();
}

export function findIdentity(db: Db, idp: string, subject: string) {
  return db
    .selectFrom('saml_identities as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.user_id', 'u.handle', 'u.role', 'u.disabled_at'])
    .where('s.idp', '=', idp)
    .where('s.subject', '=', subject)
    .executeTakeFirst();
}

type IdentityFields = Pick<
  SamlIdentitiesTable,
  'organisation' | 'display_name' | 'mail' | 'groups' | 'org_role' | 'name_id' | 'name_id_format' | 'session_index'
>;

export function insertIdentity(db: Db, row: { idp: string; subject: string; user_id: number } & IdentityFields) {
  return db.insertInto('saml_identities').values(row).execute();
}

export function updateIdentity(db: Db, idp: string, subject: string, fields: IdentityFields, now: Date) {
  return db
    .updateTable('saml_identities')
    .set({ ...fields, last_login_at: now })
    .where('idp', '=', idp)
    .where('subject', '=', subject)
    .execute();
}

/** What the IdPs last said about a user (for /me and the account page). */
export function identitiesOf(db: Db, userId: number) {
  return db
    .selectFrom('saml_identities')
    .select([
      'idp',
      'organisation',
      'org_role',
      'mail',
      'groups',
      'last_login_at',
      'name_id',
      'name_id_format',
      'session_index',
    ])
    .where('user_id', '=', userId)
    .orderBy('idp')
    .execute();
}

export function handleTaken(db: Db, handle: string) {
  return db
    .selectFrom('users')
    .select('id')
    .where('handle', '=', handle)
    .executeTakeFirst()
    .then((r) => r !== undefined);
}

export function setDisplayName(db: Db, userId: number, displayName: string | null) {
  return db.updateTable('users').set({ display_name: displayName }).where('id', '=', userId).execute();
}

/** Ends the SAML web sessions of whoever this IdP last knew by this NameID (IdP-initiated logout). */
export async function endSessionsByNameId(db: Db, idp: string, nameId: string): Promise<number> {
  const users = await db
    .selectFrom('saml_identities')
    .select('user_id')
    .where('idp', '=', idp)
    .where('name_id', '=', nameId)
    .execute();
  if (users.length === 0) return 0;
  const deleted = await db
    .deleteFrom('web_sessions')
    .where(
      'user_id',
      'in',
      users.map((u) => u.user_id),
    )
    .where('via', '=', 'saml')
    .executeTakeFirst();
  return Number(deleted.numDeletedRows);
}
