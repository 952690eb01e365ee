import { type Kysely, sql } from 'kysely';

// Resolve's probe index with the class columns descending: (template, region, architecture, private,
// active DESC, verified DESC, rank...). A cold resolve then walks the four classes of a range
// (active verified, active, deprecated verified, deprecated) in one index scan, best class first,
// instead of one probe per class: a statement with a quarter of the plan, which PostgreSQL sets up
// on every execution (with a scan policy the per-class probes cost more to set up than to run).
// Probes of one class (min_rating, verified_only) use it as before: their class is equalities.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS resolve_slots_probe_idx`.execute(db);
  await sql`CREATE INDEX resolve_slots_probe_idx ON resolve_slots (template, region, architecture, private,
    active DESC, verified DESC, rating_avg DESC, rating_count DESC, download_count DESC, version_id DESC)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS resolve_slots_probe_idx`.execute(db);
  await sql`CREATE INDEX resolve_slots_probe_idx ON resolve_slots (template, region, architecture, private,
    active, verified, rating_avg DESC, rating_count DESC, download_count DESC, version_id DESC)`.execute(db);
}
