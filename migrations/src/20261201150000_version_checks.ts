import { type Kysely, sql } from 'kysely';

// What the publisher's client reports about the inside of a version's image: the latest validation-test report
// (`cws ami test --report`) and the hygiene check made at publish. Both are JSON documents shown as reported by
// the publisher; the registry cannot check them itself.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE image_versions ADD COLUMN test_report jsonb, ADD COLUMN hygiene jsonb`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE image_versions DROP COLUMN IF EXISTS test_report, DROP COLUMN IF EXISTS hygiene`.execute(db);
}
