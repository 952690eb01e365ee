import { type Kysely, sql } from 'kysely';

// Mirroring another registry's public export: mirrored listings, and the accounts that own
// them here, carry the URL of the registry they came from. A mirror run only ever changes
// rows with its own origin; local ones (origin NULL) are never overwritten.
const UP = [
  `ALTER TABLE users ADD COLUMN origin text`,
  `ALTER TABLE images ADD COLUMN origin text`,
  `ALTER TABLE images ADD COLUMN mirrored_at timestamptz`,
  `CREATE INDEX images_origin_idx ON images (origin) WHERE origin IS NOT NULL`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP INDEX IF EXISTS images_origin_idx').execute(db);
  await sql.raw('ALTER TABLE images DROP COLUMN IF EXISTS mirrored_at').execute(db);
  await sql.raw('ALTER TABLE images DROP COLUMN IF EXISTS origin').execute(db);
  await sql.raw('ALTER TABLE users DROP COLUMN IF EXISTS origin').execute(db);
}
