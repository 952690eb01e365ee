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

export function auditFor(db: Db, imageId: number) {
  return db.selectFrom('audit_log').selectAll().where('image_id', '=', imageId).orderBy('id').execute();
}
