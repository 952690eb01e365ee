import { type Kysely, sql } from 'kysely';

// Organisations share the account namespace with users (as on GitHub): an organisation is a
// users row of kind 'org', so a listing's owner_id names a person or an organisation and
// `owner/name` stays one lookup. Organisations never hold tokens or sessions.
const UP = [
  `ALTER TABLE users ADD COLUMN kind text NOT NULL DEFAULT 'user' CHECK (kind IN ('user', 'org'))`,
  `CREATE TABLE organisation_members (
    org_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('member', 'publisher', 'admin')),
    source text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'saml')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id)
  )`,
  `CREATE INDEX organisation_members_user_idx ON organisation_members (user_id)`,
  // Who published a listing: for an organisation's listing the owner is the organisation,
  // and "private" means this person and the organisation's admins.
  `ALTER TABLE images ADD COLUMN created_by bigint REFERENCES users(id)`,
  `UPDATE images SET created_by = owner_id`,
  `ALTER TABLE images DROP CONSTRAINT IF EXISTS images_visibility_check`,
  `ALTER TABLE images ADD CONSTRAINT images_visibility_check CHECK (visibility IN ('public', 'unlisted', 'org', 'private'))`,
  // A token may be limited to one organisation.
  `ALTER TABLE api_tokens ADD COLUMN org_id bigint REFERENCES users(id) ON DELETE CASCADE`,
  `CREATE INDEX api_tokens_org_idx ON api_tokens (org_id) WHERE org_id IS NOT NULL`,
  // Registry-wide audit view: newest first, and by organisation.
  `ALTER TABLE audit_log ADD COLUMN org_id bigint REFERENCES users(id) ON DELETE SET NULL`,
  `CREATE INDEX audit_log_recent_idx ON audit_log (id DESC)`,
  `CREATE INDEX audit_log_org_idx ON audit_log (org_id, id DESC) WHERE org_id IS NOT NULL`,
];

const DOWN = [
  `DROP INDEX IF EXISTS audit_log_org_idx`,
  `DROP INDEX IF EXISTS audit_log_recent_idx`,
  `ALTER TABLE audit_log DROP COLUMN IF EXISTS org_id`,
  `ALTER TABLE api_tokens DROP COLUMN IF EXISTS org_id`,
  `DELETE FROM images WHERE visibility = 'org'`,
  `ALTER TABLE images DROP CONSTRAINT IF EXISTS images_visibility_check`,
  `ALTER TABLE images ADD CONSTRAINT images_visibility_check CHECK (visibility IN ('public', 'unlisted', 'private'))`,
  `ALTER TABLE images DROP COLUMN IF EXISTS created_by`,
  `DROP TABLE IF EXISTS organisation_members`,
  `ALTER TABLE users DROP COLUMN IF EXISTS kind`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
