import { type Kysely, sql } from 'kysely';

// SAML single sign-on and the CLI's device-authorisation sign-in.
// - saml_identities: who a person is at an identity provider (idp + stable subject) -> users row,
//   with the attributes and organisation roles last asserted (updated at every sign-in).
// - saml_requests: AuthnRequest ids this registry sent, so a response's InResponseTo can be
//   checked on any replica and used once.
// - saml_assertions: ids of assertions already accepted, kept until they expire: a replayed
//   assertion is refused on every replica (Redis may restart empty, so this lives in Postgres).
// - device_authorizations: RFC 8628 device and user codes, stored as SHA-256 only.
const UP = [
  `CREATE TABLE saml_identities (
    idp text NOT NULL,
    subject text NOT NULL,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    organisation text,
    display_name text,
    mail text,
    groups text[] NOT NULL DEFAULT '{}',
    org_role text,
    name_id text,
    name_id_format text,
    session_index text,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_login_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (idp, subject)
  )`,
  `CREATE INDEX saml_identities_user_idx ON saml_identities (user_id)`,
  `CREATE TABLE saml_requests (
    id text PRIMARY KEY,
    idp text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
  )`,
  `CREATE INDEX saml_requests_expires_idx ON saml_requests (expires_at)`,
  `CREATE TABLE saml_assertions (
    idp text NOT NULL,
    assertion_id text NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (idp, assertion_id)
  )`,
  `CREATE INDEX saml_assertions_expires_idx ON saml_assertions (expires_at)`,
  `CREATE TABLE device_authorizations (
    id bigserial PRIMARY KEY,
    device_code_hash text NOT NULL UNIQUE,
    user_code_hash text NOT NULL UNIQUE,
    client_name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    interval_seconds integer NOT NULL,
    last_polled_at timestamptz,
    user_id bigint REFERENCES users(id) ON DELETE CASCADE,
    approved_at timestamptz,
    denied_at timestamptz,
    consumed_at timestamptz,
    token_id bigint REFERENCES api_tokens(id) ON DELETE SET NULL
  )`,
  `CREATE INDEX device_authorizations_expires_idx ON device_authorizations (expires_at)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['device_authorizations', 'saml_assertions', 'saml_requests', 'saml_identities']) {
    await sql.raw(`DROP TABLE IF EXISTS ${table}`).execute(db);
  }
}
