import type { Db } from '../database.js';

export function audit(
  db: Db,
  entry: {
    actor_id: number | null;
    action: string;
    image_id?: number | null;
    target?: string | null;
    details?: Record<string, unknown>;
  },
) {
  return db
    .insertInto('audit_log')
    .values({
      actor_id: entry.actor_id,
      action: entry.action,
      image_id: entry.image_id ?? null,
      target: entry.target ?? null,
      details: entry.details ?? {},
    })
    .execute();
}

/** A listing's audit trail, newest first; keyset on id. */
export function auditFor(db: Db, imageId: number, limit: number, beforeId?: number) {
  let q = db
    .selectFrom('audit_log as a')
    .leftJoin('users as u', 'u.id', 'a.actor_id')
    .select(['a.id', 'u.handle', 'a.action', 'a.target', 'a.details', 'a.created_at'])
    .where('a.image_id', '=', imageId);
  if (beforeId !== undefined) q = q.where('a.id', '<', beforeId);
  return q.orderBy('a.id', 'desc').limit(limit).execute();
}
