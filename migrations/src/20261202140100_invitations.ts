import { type Kysely, sql } from 'kysely';

// Invitations: a link that creates an account when opened (the invitee picks a handle) and signs
// them in. The first-run link of an empty registry is one of kind 'first_admin' (no inviter).
// Only the SHA-256 of the link's secret is stored, like api_tokens.
const UP = [
  `CREATE TABLE invitations (
    id bigserial PRIMARY KEY,
    code_hash text NOT NULL UNIQUE,
    kind text NOT NULL CHECK (kind IN ('invite', 'first_admin')),
    role text NOT NULL CHECK (role IN ('user', 'maintainer', 'admin')),
    note text,
    created_by bigint REFERENCES users(id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    used_by bigint REFERENCES users(id) ON DELETE SET NULL,
    revoked_at timestamptz
  )`,
  `CREATE INDEX invitations_created_idx ON invitations (created_at DESC)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP TABLE IF EXISTS invitations').execute(db);
}
