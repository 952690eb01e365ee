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
}
