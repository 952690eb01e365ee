import { type Kysely, sql } from 'kysely';

// What an approval of `cws login --sso` may give the terminal, fixed when the person approves:
// the scopes, organisation and parent token of the web session that approved it. A session
// started by a token's sign-in link (cws web login) acts within that token, as the account page
// does, so a rate-only token's session can no longer approve a rate+publish token, and the
// device token never outlives the token behind the session. NULL scopes: a request approved
// before this migration (or still pending), which gets the scopes it always got.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE device_authorizations
    ADD COLUMN scopes text[],
    ADD COLUMN org_id bigint REFERENCES users(id) ON DELETE CASCADE,
    ADD COLUMN parent_token_id bigint REFERENCES api_tokens(id) ON DELETE CASCADE`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE device_authorizations DROP COLUMN scopes, DROP COLUMN org_id, DROP COLUMN parent_token_id`.execute(
    db,
  );
}
