import type { Severity } from '@cws/shared';
import type { ColumnType, Generated } from 'kysely';

/** jsonb: pass objects (postgres.js would double-encode a JSON string). */
type Json<T> = ColumnType<T, T, T>;

export interface ScansTable {
  id: Generated<number>;
  region_image_id: number;
  scanner: string;
  /** complete or failed (with a reason); queued and running scans are jobs. */
  status: 'pending' | 'running' | 'complete' | 'failed';
  critical: number;
  high: number;
  medium: number;
  low: number;
  informational: number;
  top_findings: Json<Array<{ severity: string; title: string }>>;
  scanned_at: ColumnType<Date, Date | undefined, Date>;
  reason: ColumnType<string | null, string | null | undefined, string | null>;
  started_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  finished_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  job_id: ColumnType<number | null, number | null | undefined, number | null>;
  finding_count: ColumnType<number, number | undefined, number>;
}

export interface ScanFindingsTable {
  id: Generated<number>;
  scan_id: number;
  vulnerability_id: string;
  severity: Severity;
  severity_rank: number;
  inspector_score: number | null;
  package_name: string | null;
  installed_version: string | null;
  fixed_version: string | null;
  fix_available: boolean;
  exploit_available: boolean | null;
  title: string;
  first_observed_at: Date | null;
}

export interface VulnerabilityExceptionsTable {
  id: Generated<number>;
  /** null: registry-wide. */
  image_id: number | null;
  vulnerability_id: string;
  reason: string;
  created_by: number;
  created_at: ColumnType<Date, never, never>;
  expires_at: Date;
  revoked_at: Date | null;
}

export interface VerificationsTable {
  id: Generated<number>;
  region_image_id: number;
  status: 'verified' | 'failed';
  reason: string | null;
  details: Json<Record<string, unknown>>;
  checked_at: ColumnType<Date, Date | undefined, Date>;
}
