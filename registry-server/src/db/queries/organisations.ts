import type { Db } from '../database.js';
import type { OrgRole } from '../tables/organisations.js';

/** An organisation: a users row of kind 'org'. */
export function findOrg(db: Db, name: string) {
  return db
    .selectFrom('users')
    .select(['id', 'handle as name', 'display_name', 'created_at'])
    .where('handle', '=', name)
    .where('kind', '=', 'org')
    .executeTakeFirst();
}
export type OrgRow = NonNullable<Awaited<ReturnType<typeof findOrg>>>;

export function findOrgById(db: Db, id: number) {
  return db
    .selectFrom('users')
    .select(['id', 'handle as name', 'display_name', 'created_at'])
    .where('id', '=', id)
    .where('kind', '=', 'org')
    .executeTakeFirst();
}

export function insertOrg(db: Db, org: { name: string; display_name: string | null }) {
  return db
    .insertInto('users')
    .values({ handle: org.name, display_name: org.display_name, role: 'user', kind: 'org' })
    .returning(['id', 'handle as name', 'display_name', 'created_at'])
    .executeTakeFirstOrThrow();
}

/** Every organisation with its member count, by name; or only those the user belongs to. */
export function listOrgs(db: Db, memberUserId?: number) {
  let q = db
    .selectFrom('users as o')
    .select((eb) => [
      'o.id',
      'o.handle as name',
      'o.display_name',
      'o.created_at',
      eb
        .selectFrom('organisation_members as m')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('m.org_id', '=', 'o.id')
        .as('members'),
    ])
    .where('o.kind', '=', 'org');
  if (memberUserId !== undefined) {
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('organisation_members as m2')
          .select('m2.user_id')
          .whereRef('m2.org_id', '=', 'o.id')
          .where('m2.user_id', '=', memberUserId),
      ),
    );
  }
  return q.orderBy('o.handle').execute();
}

export function listMembers(db: Db, orgId: number) {
  return db
    .selectFrom('organisation_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.id as user_id', 'u.handle', 'u.display_name', 'u.disabled_at', 'm.role', 'm.source', 'm.created_at'])
    .where('m.org_id', '=', orgId)
    .orderBy('u.handle')
    .execute();
}

export function findMembership(db: Db, orgId: number, userId: number) {
  return db
    .selectFrom('organisation_members')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/** Sets a membership's role (creating it); returns the previous row, if any. */
export async function upsertMember(
  db: Db,
  m: { org_id: number; user_id: number; role: OrgRole; source: 'manual' | 'saml' },
) {
  const before = await findMembership(db, m.org_id, m.user_id);
  await db
    .insertInto('organisation_members')
    .values(m)
    .onConflict((oc) =>
      oc.columns(['org_id', 'user_id']).doUpdateSet({ role: m.role, source: m.source, updated_at: new Date() }),
    )
    .execute();
  return before;
}

export function deleteMember(db: Db, orgId: number, userId: number) {
  return db
    .deleteFrom('organisation_members')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .returningAll()
    .executeTakeFirst();
}

export function countAdmins(db: Db, orgId: number) {
  return db
    .selectFrom('organisation_members')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('role', '=', 'admin')
    .executeTakeFirstOrThrow()
    .then((r) => Number(r.n));
}

/** A person's memberships, with each organisation's name. */
export function membershipsOf(db: Db, userId: number) {
  return db
    .selectFrom('organisation_members as m')
    .innerJoin('users as o', 'o.id', 'm.org_id')
    .select(['m.org_id', 'o.handle as name', 'm.role', 'm.source'])
    .where('m.user_id', '=', userId)
    .orderBy('o.handle')
    .execute();
}

/** Tokens limited to an organisation, with their owners. */
export function listOrgTokens(db: Db, orgId: number) {
  return db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .selectAll('t')
    .select('u.handle as owner')
    .where('t.org_id', '=', orgId)
    .orderBy('t.id')
    .execute();
}
