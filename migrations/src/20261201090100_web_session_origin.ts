import { type Kysely, sql } from 'kysely';

// A web session remembers the token whose sign-in link started it: revoking (or the expiry of)
// that token ends the session. Sessions from before this have none and stand on their user only.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw('ALTER TABLE web_sessions ADD COLUMN token_id bigint REFERENCES api_tokens(id) ON DELETE CASCADE')
    .execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('ALTER TABLE web_sessions DROP COLUMN IF EXISTS token_id').execute(db);
}
