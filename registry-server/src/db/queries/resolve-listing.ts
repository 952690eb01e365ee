import { sql } from 'kysely';
import type { Db } from '../database.js';
import { type ResolvePolicy, type ResolveRow, resolveCandidatesQuery } from './resolve.js';
import { type AccessScope, ANONYMOUS } from './visibility.js';

/**
 * Resolve pinned to one listing (`listing=OWNER/NAME`): the straightforward query of
 * `resolveCandidates` (same ranking, same policy filters, revoked versions and unavailable images
 * never match), limited to that listing's rows. A listing has few versions, so this is a short
 * read of its own rows rather than a walk of the template's rank index (`resolveHit`), which the
 * unpinned resolves keep to themselves.
 */
export function listingCandidates(
  db: Db,
  imageId: number,
  p: ResolvePolicy,
  limit: number,
  applyPolicy: boolean,
  scope: AccessScope = ANONYMOUS,
): Promise<ResolveRow[]> {
  return resolveCandidatesQuery(db, p, limit, applyPolicy, scope).where('i.id', '=', imageId).execute();
}

/** Every region image of a listing, per region, architecture, version status and state: why a pinned resolve missed. */
export function listingSlots(db: Db, imageId: number) {
  return db
    .selectFrom('image_regions as r')
    .innerJoin('image_versions as v', 'v.id', 'r.version_id')
    .select([
      'r.region',
      'r.architecture',
      'v.status',
      'r.state',
      sql<string>`string_agg(DISTINCT v.version, ', ' ORDER BY v.version)`.as('versions'),
      sql<number>`count(*)::int`.as('n'),
    ])
    .where('v.image_id', '=', imageId)
    .groupBy(['r.region', 'r.architecture', 'v.status', 'r.state'])
    .orderBy('r.region')
    .orderBy('r.architecture')
    .execute();
}
export type ListingSlot = Awaited<ReturnType<typeof listingSlots>>[number];
