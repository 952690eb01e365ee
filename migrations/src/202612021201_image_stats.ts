import { type Kysely, sql } from 'kysely';

// The counters a rating, a download or a launch changes move out of the wide `images` row
// (search text, tsvector and seven indexes, two of them GIN) into a narrow table of their own:
// a rating write then rewrites one small row and its few btree entries, and ranking reads the
// same table. `template` is copied so resolve can walk one template's listings in rank order
// from one index; a trigger keeps the copy (and the row's existence) in step with `images`.
const UP = [
  `CREATE TABLE image_stats (
    image_id bigint PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
    template text NOT NULL,
    rating_sum bigint NOT NULL DEFAULT 0,
    rating_count bigint NOT NULL DEFAULT 0,
    rating_avg real NOT NULL DEFAULT 0,
    download_count bigint NOT NULL DEFAULT 0,
    launch_count bigint NOT NULL DEFAULT 0
  )`,
  `INSERT INTO image_stats (image_id, template, rating_sum, rating_count, rating_avg, download_count, launch_count)
     SELECT id, template, rating_sum, rating_count, rating_avg, download_count, launch_count FROM images`,
  `CREATE INDEX image_stats_resolve_rank_idx ON image_stats
     (template, rating_avg DESC, rating_count DESC, download_count DESC, image_id DESC)`,
  `CREATE INDEX image_stats_rating_idx ON image_stats (rating_avg DESC, image_id DESC)`,
  `CREATE INDEX image_stats_downloads_idx ON image_stats (download_count DESC, image_id DESC)`,
  `CREATE FUNCTION image_stats_follow() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP = 'INSERT' THEN
       INSERT INTO image_stats (image_id, template) VALUES (NEW.id, NEW.template);
     ELSIF NEW.template IS DISTINCT FROM OLD.template THEN
       UPDATE image_stats SET template = NEW.template WHERE image_id = NEW.id;
     END IF;
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER images_stats_follow AFTER INSERT OR UPDATE OF template ON images
     FOR EACH ROW EXECUTE FUNCTION image_stats_follow()`,
  'DROP INDEX IF EXISTS images_resolve_rank_idx',
  'DROP INDEX IF EXISTS images_rating_idx',
  'DROP INDEX IF EXISTS images_downloads_idx',
  `ALTER TABLE images DROP COLUMN rating_sum, DROP COLUMN rating_count, DROP COLUMN rating_avg,
     DROP COLUMN download_count, DROP COLUMN launch_count`,
  // The stars a rating had before its last change: the one-statement rating write reads the
  // aggregate's delta from it (PostgreSQL 15 has no RETURNING OLD).
  'ALTER TABLE ratings ADD COLUMN replaced_stars smallint',
];

const DOWN = [
  'ALTER TABLE ratings DROP COLUMN IF EXISTS replaced_stars',
  `ALTER TABLE images ADD COLUMN rating_sum bigint NOT NULL DEFAULT 0,
     ADD COLUMN rating_count bigint NOT NULL DEFAULT 0, ADD COLUMN rating_avg real NOT NULL DEFAULT 0,
     ADD COLUMN download_count bigint NOT NULL DEFAULT 0, ADD COLUMN launch_count bigint NOT NULL DEFAULT 0`,
  `UPDATE images i SET rating_sum = s.rating_sum, rating_count = s.rating_count, rating_avg = s.rating_avg,
     download_count = s.download_count, launch_count = s.launch_count FROM image_stats s WHERE s.image_id = i.id`,
  `CREATE INDEX images_rating_idx ON images (rating_avg DESC, id DESC)`,
  `CREATE INDEX images_downloads_idx ON images (download_count DESC, id DESC)`,
  `CREATE INDEX images_resolve_rank_idx ON images
     (template, rating_avg DESC, rating_count DESC, download_count DESC, id DESC) WHERE visibility <> 'private'`,
  'DROP TRIGGER IF EXISTS images_stats_follow ON images',
  'DROP FUNCTION IF EXISTS image_stats_follow()',
  'DROP TABLE IF EXISTS image_stats',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
