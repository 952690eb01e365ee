import { type Kysely, sql } from 'kysely';

// image_stats_resolve_rank_idx (template, rating_avg, rating_count, download_count, image_id) was
// resolve's walk of one template's listings in rank order; resolve reads resolve_slots now
// (2026120340_resolve_slots), and no other query filters image_stats by template (checked: every
// query of registry-server/src, the web pages, the CLI and bench/; the straightforward resolve
// query filters images.template). A rating changes rating_avg and rating_count, so its
// image_stats update is never heap-only and wrote a new entry into each of the table's four
// indexes: three now. The template column stays (its trigger keeps it; dropping it gains nothing).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS image_stats_resolve_rank_idx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS image_stats_resolve_rank_idx ON image_stats
    (template, rating_avg DESC, rating_count DESC, download_count DESC, image_id DESC)`.execute(db);
}
