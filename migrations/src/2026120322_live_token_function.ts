import { type Kysely, sql } from 'kysely';

// The token lookup behind every authenticated request whose principal is not cached yet:
// as a function its plan is made once per connection and kept (PL/pgSQL caches its plans)
// instead of on every call; on the embedded database, whose planner runs in WebAssembly, that
// halves the lookup. `p_now` is the caller's clock, as the query it replaces used.
const UP = `
CREATE FUNCTION live_token(p_hash text, p_now timestamptz)
RETURNS TABLE (token_id bigint, scopes text[], expires_at timestamptz, org_id bigint, user_id bigint,
  handle text, role text, display_name text, created_at timestamptz)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
    SELECT t.id, t.scopes, t.expires_at, t.org_id, u.id, u.handle, u.role, u.display_name, u.created_at
    FROM api_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = p_hash AND t.revoked_at IS NULL AND u.disabled_at IS NULL
      AND (t.expires_at IS NULL OR t.expires_at > p_now);
END $$`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(UP).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP FUNCTION IF EXISTS live_token(text, timestamptz)').execute(db);
}
