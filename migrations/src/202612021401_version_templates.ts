import { type Kysely, sql } from 'kysely';

// A version carries the template YAML it was built from (sent by `cws ami publish`, validated with the CLI's
// schema), so that `cws template fetch OWNER/NAME` can give a newcomer the template a listing needs.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE image_versions ADD COLUMN template_yaml text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE image_versions DROP COLUMN IF EXISTS template_yaml`.execute(db);
}
