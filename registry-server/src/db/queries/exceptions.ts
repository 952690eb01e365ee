import { sql } from 'kysely';
import type { Db } from '../database.js';

/** Vulnerability exceptions: a vulnerability id accepted for a listing (image_id) or the whole registry (null). */

export async function insertException(
  db: Db,
  e: { image_id: number | null; vulnerability_id: string; reason: string; created_by: number; expires_at: Date },
): Promise<number> {
  const row = await db.insertInto('vulnerability_exceptions').values(e).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

function exceptionRows(db: Db) {
  return db
    .selectFrom('vulnerability_exceptions as e')
    .innerJoin('users as a', 'a.id', 'e.created_by')
    .leftJoin('images as i', 'i.id', 'e.image_id')
    .leftJoin('users as o', 'o.id', 'i.owner_id')
    .select([
      'e.id',
      'e.image_id',
      'e.vulnerability_id',
      'e.reason',
      'a.handle as author',
      'e.created_at',
      'e.expires_at',
      'e.revoked_at',
      'o.handle as owner',
      'i.name',
      'i.owner_id',
      'i.visibility',
      'i.created_by as listing_created_by',
      sql<boolean>`(e.revoked_at IS NULL AND e.expires_at > now())`.as('live'),
    ]);
}

export function findException(db: Db, id: number) {
  return exceptionRows(db).where('e.id', '=', id).executeTakeFirst();
}

/** Newest first; `imageId` given: that listing's and the registry-wide ones; `live`: only those in force. */
export function listExceptions(
  db: Db,
  o: { imageId?: number | undefined; vulnerabilityId?: string | undefined; live: boolean },
) {
  let q = exceptionRows(db);
  if (o.imageId !== undefined) {
    const id = o.imageId;
    q = q.where((eb) => eb.or([eb('e.image_id', '=', id), eb('e.image_id', 'is', null)]));
  }
  if (o.vulnerabilityId) q = q.where('e.vulnerability_id', '=', o.vulnerabilityId);
  if (o.live) q = q.where('e.revoked_at', 'is', null).where('e.expires_at', '>', sql<Date>`now()`);
  return q.orderBy('e.id', 'desc').limit(500).execute();
}

/** Ends an exception now; false when it had ended already. */
export async function endException(db: Db, id: number): Promise<boolean> {
  const r = await db
    .updateTable('vulnerability_exceptions')
    .set({ revoked_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
