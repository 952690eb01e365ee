import type { Principal } from '../auth/tokens.js';
import type { Database, Db } from '../db/database.js';
import { membershipsOf } from '../db/queries/organisations.js';
import { type AccessScope, ANONYMOUS } from '../db/queries/visibility.js';
import type { OrgRole } from '../db/tables/organisations.js';

export type { AccessScope } from '../db/queries/visibility.js';
export { ANONYMOUS, openSql, privateSql, visibleSql } from '../db/queries/visibility.js';

export type VisibilityRow = { visibility: string; owner_id: number; created_by: number | null };

export class AccessService {
  constructor(private readonly database: Database) {}

  /** Inside a transaction pass it as `db`: the embedded database has one connection. */
  async scope(principal: Principal | null | undefined, db: Db = this.database.db): Promise<AccessScope> {
    if (!principal) return ANONYMOUS;
    const limit = principal.orgId ?? null;
    const rows = await membershipsOf(db, principal.userId);
    const mine = rows.filter((r) => limit === null || r.org_id === limit);
    const ids = (roles: OrgRole[]) => mine.filter((r) => roles.includes(r.role)).map((r) => Number(r.org_id));
    const seesAll = limit === null && (principal.role === 'admin' || principal.role === 'maintainer');
    const memberOrgIds = ids(['member', 'publisher', 'admin']);
    const adminOrgIds = ids(['admin']);
    return {
      userId: principal.userId,
      seesAll,
      memberOrgIds,
      memberOrgNames: mine.map((r) => r.name),
      adminOrgIds,
      publisherOrgIds: ids(['publisher', 'admin']),
      limitOrgId: limit,
      key: seesAll
        ? 'all'
        : `u${principal.userId}:l${limit ?? ''}:m${memberOrgIds.join(',')}:a${adminOrgIds.join(',')}`,
    };
  }
}

/**
 * Does a listing query for this owner include the viewer's hidden listings (unlisted, private)?
 * Only for their own namespace, their organisations', or a registry admin's query.
 */
export function ownsNamespace(scope: AccessScope, handle: string | undefined, viewerHandle?: string): boolean {
  if (handle === undefined || scope.userId === null) return false;
  if (scope.seesAll) return true;
  if (scope.limitOrgId === null && handle === viewerHandle) return true;
  return scope.memberOrgNames.includes(handle);
}

/** The role a scope holds in an organisation, or null. */
export function orgRoleIn(scope: AccessScope, orgId: number): OrgRole | null {
  if (scope.adminOrgIds.includes(orgId)) return 'admin';
  if (scope.publisherOrgIds.includes(orgId)) return 'publisher';
  if (scope.memberOrgIds.includes(orgId)) return 'member';
  return null;
}

/**
 * May the viewer read this listing? `hidden` listings (unlisted, private) count only where the
 * caller asks for them: detail and resolve do, catalogue-wide lists do not.
 */
export function canSee(scope: AccessScope, row: VisibilityRow, includeHidden = true): boolean {
  const ownerId = Number(row.owner_id);
  switch (row.visibility) {
    case 'public':
      return true;
    case 'unlisted':
      return includeHidden;
    case 'org':
      return scope.seesAll || scope.memberOrgIds.includes(ownerId);
    case 'private': {
      if (!includeHidden) return false;
      if (scope.seesAll) return true;
      if (scope.userId === null) return false;
      if (scope.adminOrgIds.includes(ownerId)) return true;
      if (scope.limitOrgId !== null && scope.limitOrgId !== ownerId) return false;
      return ownerId === scope.userId || (row.created_by !== null && Number(row.created_by) === scope.userId);
    }
    default:
      return false;
  }
}
