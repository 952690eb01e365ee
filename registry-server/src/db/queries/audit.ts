import type { Db } from '../database.js';

export function audit(
  db: Db,
  entry: {
    actor_id: number | null;
    action: string;
    image_id?: number | null;
    target?: string | null;
    details?: Record<string, unknown>;
    /** The organisation concerned, for its admins' view of the log. */
    org_id?: number | null;
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
      org_id: entry.org_id ?? null,
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

/** The registry-wide log, newest first; keyset on id. */
export function auditLog(
  db: Db,
  f: { action?: string; actorId?: number; orgId?: number },
  limit: number,
  beforeId?: number,
) {
  let q = db
    .selectFrom('audit_log as a')
    .leftJoin('users as u', 'u.id', 'a.actor_id')
    .leftJoin('users as o', 'o.id', 'a.org_id')
    .select(['a.id', 'u.handle', 'o.handle as org', 'a.action', 'a.target', 'a.details', 'a.created_at']);
  if (f.action !== undefined) {
    q = f.action.endsWith('.')
      ? q.where('a.action', 'like', `${f.action.replace(/_/g, '\\_')}%`)
      : q.where('a.action', '=', f.action);
  }
  if (f.actorId !== undefined) q = q.where('a.actor_id', '=', f.actorId);
  if (f.orgId !== undefined) q = q.where('a.org_id', '=', f.orgId);
  if (beforeId !== undefined) q = q.where('a.id', '<', beforeId);
  return q.orderBy('a.id', 'desc').limit(limit).execute();
}
