import { type Kysely, sql } from 'kysely';

// Security scans: a scan row per finished scan (complete or failed with a reason; queued and
// running scans are jobs), a row per finding, vulnerability exceptions, and the listing's mark
// when a rescan found a new critical or high finding.
const UP = [
  `ALTER TABLE scans DROP CONSTRAINT IF EXISTS scans_status_check`,
  `ALTER TABLE scans ADD CONSTRAINT scans_status_check CHECK (status IN ('pending', 'running', 'complete', 'failed'))`,
  `ALTER TABLE scans ADD COLUMN reason text`,
  `ALTER TABLE scans ADD COLUMN started_at timestamptz`,
  `ALTER TABLE scans ADD COLUMN finished_at timestamptz`,
  `ALTER TABLE scans ADD COLUMN job_id bigint`,
  `ALTER TABLE scans ADD COLUMN finding_count integer NOT NULL DEFAULT 0`,
  `CREATE TABLE scan_findings (
    id bigserial PRIMARY KEY,
    scan_id bigint NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    vulnerability_id text NOT NULL,
    severity text NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'informational')),
    severity_rank smallint NOT NULL,
    inspector_score real,
    package_name text,
    installed_version text,
    fixed_version text,
    fix_available boolean NOT NULL DEFAULT false,
    exploit_available boolean,
    title text NOT NULL,
    first_observed_at timestamptz
  )`,
  `CREATE INDEX scan_findings_page_idx ON scan_findings (scan_id, severity_rank DESC, id)`,
  `CREATE TABLE vulnerability_exceptions (
    id bigserial PRIMARY KEY,
    image_id bigint REFERENCES images(id) ON DELETE CASCADE,
    vulnerability_id text NOT NULL,
    reason text NOT NULL,
    created_by bigint NOT NULL REFERENCES users(id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
  )`,
  `CREATE INDEX vulnerability_exceptions_lookup_idx ON vulnerability_exceptions (vulnerability_id, expires_at)`,
  `ALTER TABLE images ADD COLUMN new_finding_since timestamptz`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('ALTER TABLE images DROP COLUMN IF EXISTS new_finding_since').execute(db);
  await sql.raw('DROP TABLE IF EXISTS vulnerability_exceptions').execute(db);
  await sql.raw('DROP TABLE IF EXISTS scan_findings').execute(db);
  for (const c of ['finding_count', 'job_id', 'finished_at', 'started_at', 'reason']) {
    await sql.raw(`ALTER TABLE scans DROP COLUMN IF EXISTS ${c}`).execute(db);
  }
}
