import { type Kysely, sql } from 'kysely';

// Web sign-in: one-time login codes (from `cws web login`, later SAML) and browser sessions.
// Both keep only the SHA-256 of their secret, like api_tokens.
const UP = [
  `CREATE TABLE web_login_codes (
    code_hash text PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_id bigint REFERENCES api_tokens(id) ON DELETE CASCADE,
    scopes text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz
  )`,
  `CREATE INDEX web_login_codes_expires_idx ON web_login_codes (expires_at)`,
  `CREATE TABLE web_sessions (
    id bigserial PRIMARY KEY,
    session_hash text NOT NULL UNIQUE,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    scopes text[] NOT NULL,
    via text NOT NULL CHECK (via IN ('link', 'saml')),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
  )`,
  `CREATE INDEX web_sessions_user_idx ON web_sessions (user_id)`,
  `CREATE INDEX web_sessions_expires_idx ON web_sessions (expires_at)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP TABLE IF EXISTS web_sessions').execute(db);
  await sql.raw('DROP TABLE IF EXISTS web_login_codes').execute(db);
}
