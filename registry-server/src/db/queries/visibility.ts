import { type RawBuilder, type SqlBool, sql } from 'kysely';

/**
 * What a viewer may read: computed from the database on every request (services/access.ts). The SQL
 * here and canSee there are one definition of who sees what.
 */
export interface AccessScope {
  /** The person, or null for anonymous. */
  userId: number | null;
  /** Registry admins and maintainers see every listing (not with an organisation-limited token). */
  seesAll: boolean;
  /** Organisations whose `org` listings the viewer sees (membership, limited by the token). */
  memberOrgIds: number[];
  /** Their names (the namespace of `org/name` listings). */
  memberOrgNames: string[];
  /** Organisations whose `private` listings the viewer sees as an admin. */
  adminOrgIds: number[];
  /** Organisations the viewer may publish into (publisher or admin). */
  publisherOrgIds: number[];
  /** The organisation a token is limited to, if any. */
  limitOrgId: number | null;
  /** Stable text for cache keys: two viewers with the same key see the same listings. */
  key: string;
}

/** Nobody signed in: public listings, and unlisted ones by their address. */
export const ANONYMOUS: AccessScope = {
  userId: null,
  seesAll: false,
  memberOrgIds: [],
  memberOrgNames: [],
  adminOrgIds: [],
  publisherOrgIds: [],
  limitOrgId: null,
  key: 'anon',
};

/** canSee as SQL over a listing aliased `i` (images as i). */
export function visibleSql(scope: AccessScope, includeHidden: boolean): RawBuilder<SqlBool> {
  const open = openSql(scope, includeHidden);
  const priv = includeHidden ? privateSql(scope) : null;
  return priv ? sql<SqlBool>`(${open} OR ${priv})` : open;
}

/** The non-private part of canSee: what an index over `visibility <> 'private'` can serve. */
export function openSql(scope: AccessScope, includeHidden: boolean): RawBuilder<SqlBool> {
  if (scope.seesAll) {
    return includeHidden ? sql<SqlBool>`i.visibility <> 'private'` : sql<SqlBool>`i.visibility IN ('public', 'org')`;
  }
  const parts: RawBuilder<unknown>[] = [sql`i.visibility = 'public'`];
  if (includeHidden) parts.push(sql`i.visibility = 'unlisted'`);
  if (scope.memberOrgIds.length > 0) {
    parts.push(sql`(i.visibility = 'org' AND i.owner_id IN (${sql.join(scope.memberOrgIds)}))`);
  }
  // The explicit `<> 'private'` lets the planner use partial indexes over non-private listings.
  return sql<SqlBool>`(i.visibility <> 'private' AND (${sql.join(parts, sql` OR `)}))`;
}

/** The private listings a scope sees, as SQL; null when it sees none. */
export function privateSql(scope: AccessScope): RawBuilder<SqlBool> | null {
  if (scope.seesAll) return sql<SqlBool>`i.visibility = 'private'`;
  if (scope.userId === null) return null;
  const uid = scope.userId;
  const own =
    scope.limitOrgId === null
      ? sql`(i.owner_id = ${uid} OR i.created_by = ${uid})`
      : sql`(i.owner_id = ${scope.limitOrgId} AND i.created_by = ${uid})`;
  const admin = scope.adminOrgIds.length > 0 ? sql` OR i.owner_id IN (${sql.join(scope.adminOrgIds)})` : sql``;
  return sql<SqlBool>`(i.visibility = 'private' AND (${own}${admin}))`;
}
