import { type Kysely, sql } from 'kysely';

// Every index on a table a rating writes costs each rating. Two of them paid for nothing:
// - audit_log_recent_idx (id DESC) repeats the primary key, which PostgreSQL scans backwards
//   just as well for "newest first";
// - ratings_recent_idx (image_id, updated_at DESC, id DESC) served no query (reviews page by
//   id), and because it holds updated_at every re-rating was a non-HOT update that wrote a new
//   entry into each of the table's indexes. (image_id, id DESC) is the order reviews are paged
//   in, and a re-rating changes no indexed column, so it can stay a heap-only update.
const UP = [
  'DROP INDEX IF EXISTS audit_log_recent_idx',
  'CREATE INDEX ratings_image_recent_idx ON ratings (image_id, id DESC)',
  'DROP INDEX IF EXISTS ratings_recent_idx',
];

const DOWN = [
  'CREATE INDEX IF NOT EXISTS ratings_recent_idx ON ratings (image_id, updated_at DESC, id DESC)',
  'DROP INDEX IF EXISTS ratings_image_recent_idx',
  'CREATE INDEX IF NOT EXISTS audit_log_recent_idx ON audit_log (id DESC)',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
