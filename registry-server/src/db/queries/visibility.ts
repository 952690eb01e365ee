import { type RawBuilder, type SqlBool, sql } from 'kysely';

/** Who is looking, as services/access.ts's AccessScope says it (the fields the SQL needs). */
export interface VisibilityScope {
  userId: number | null;
  seesAll: boolean;
  memberOrgIds: number[];
  adminOrgIds: number[];
  limitOrgId: number | null;
}

/** services/access.ts's canSee as SQL over a listing aliased `i` (images as i). */
export function visibleSql(scope: VisibilityScope, includeHidden: boolean): RawBuilder<SqlBool> {
  if (scope.seesAll) return includeHidden ? sql<SqlBool>`true` : sql<SqlBool>`i.visibility IN ('public', 'org')`;
  const parts: RawBuilder<unknown>[] = [sql`i.visibility = 'public'`];
  if (includeHidden) parts.push(sql`i.visibility = 'unlisted'`);
  if (scope.memberOrgIds.length > 0) {
    parts.push(sql`(i.visibility = 'org' AND i.owner_id IN (${sql.join(scope.memberOrgIds)}))`);
  }
  if (includeHidden && scope.userId !== null) {
    const uid = scope.userId;
    const own =
      scope.limitOrgId === null
        ? sql`(i.owner_id = ${uid} OR i.created_by = ${uid})`
        : sql`(i.owner_id = ${scope.limitOrgId} AND i.created_by = ${uid})`;
    const admin = scope.adminOrgIds.length > 0 ? sql` OR i.owner_id IN (${sql.join(scope.adminOrgIds)})` : sql``;
    parts.push(sql`(i.visibility = 'private' AND (${own}${admin}))`);
  }
  return sql<SqlBool>`(${sql.join(parts, sql` OR `)})`;
}
