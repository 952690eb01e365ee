import type { ColumnType, Generated } from 'kysely';

export interface AuditLogTable {
  id: Generated<number>;
  actor_id: number | null;
  action: string;
  image_id: number | null;
  target: string | null;
  /** jsonb: pass objects (postgres.js would double-encode a JSON string). */
  details: ColumnType<Record<string, unknown>, Record<string, unknown>, Record<string, unknown>>;
  created_at: ColumnType<Date, never, never>;
  /** The organisation the change concerns, for its admins' view. */
  org_id: ColumnType<number | null, number | null | undefined, number | null>;
}
