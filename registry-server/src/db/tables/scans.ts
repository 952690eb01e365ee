import type { ColumnType, Generated } from 'kysely';

/** jsonb: pass objects (postgres.js would double-encode a JSON string). */
type Json<T> = ColumnType<T, T, T>;

export interface ScansTable {
  id: Generated<number>;
  region_image_id: number;
  scanner: string;
  status: 'pending' | 'complete' | 'failed';
  critical: number;
  high: number;
  medium: number;
  low: number;
  informational: number;
  top_findings: Json<Array<{ severity: string; title: string }>>;
  scanned_at: ColumnType<Date, Date | undefined, Date>;
}

export interface VerificationsTable {
  id: Generated<number>;
  region_image_id: number;
  status: 'verified' | 'failed';
  reason: string | null;
  details: Json<Record<string, unknown>>;
  checked_at: ColumnType<Date, Date | undefined, Date>;
}
