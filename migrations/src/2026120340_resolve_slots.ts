import { type Kysely, sql } from 'kysely';

// Resolve's candidates, one row per usable region image (available; version active or deprecated)
// with what a resolve ranks and filters by: the listing's template, the region and architecture,
// the class (active, verified), whether the listing is private, and the listing's rank. One index
// range per (template, region, architecture, private, class) in rank order, so a cold resolve is
// a walk from the top of one range whatever the catalogue's size (the rank index on image_stats
// walked the template's listings and probed each listing's versions and regions).
//
// `resolve_slots_source` is the definition; triggers keep the table equal to it:
// - image_regions: inserted rows per statement (transition table); changed rows per row, only
//   when a column the definition reads changed (a verification sweep's last_verified_at does not);
//   deleted rows by the foreign key's cascade;
// - image_versions: a status change refreshes the version's region rows;
// - images: template and visibility copied onto the listing's rows;
// - image_stats: the rank copied onto the listing's rows (a rating or a download batch).
// A rating rewrites its listing's 1-9 rows (the rank is in the probe index: no HOT update).
const UP = [
  `CREATE TABLE resolve_slots (
    region_id bigint PRIMARY KEY REFERENCES image_regions(id) ON DELETE CASCADE,
    version_id bigint NOT NULL,
    image_id bigint NOT NULL,
    template text NOT NULL,
    region text NOT NULL,
    architecture text NOT NULL,
    private boolean NOT NULL,
    active boolean NOT NULL,
    verified boolean NOT NULL,
    rating_avg real NOT NULL,
    rating_count bigint NOT NULL,
    download_count bigint NOT NULL
  )`,
  `CREATE VIEW resolve_slots_source AS
   SELECT r.id AS region_id, v.id AS version_id, v.image_id, i.template, r.region, r.architecture,
     i.visibility = 'private' AS private, v.status = 'active' AS active, r.verification_status = 'verified' AS verified,
     st.rating_avg, st.rating_count, st.download_count
   FROM image_regions r
   JOIN image_versions v ON v.id = r.version_id
   JOIN images i ON i.id = v.image_id
   JOIN image_stats st ON st.image_id = v.image_id
   WHERE r.state = 'available' AND v.status IN ('active', 'deprecated')`,
  `INSERT INTO resolve_slots SELECT * FROM resolve_slots_source`,
  `CREATE INDEX resolve_slots_probe_idx ON resolve_slots (template, region, architecture, private, active, verified,
     rating_avg DESC, rating_count DESC, download_count DESC, version_id DESC)`,
  `CREATE INDEX resolve_slots_image_idx ON resolve_slots (image_id)`,
  // Makes these region rows' slots equal to the definition. First it locks their listings'
  // images and image_stats rows (FOR NO KEY UPDATE, in id order: what an UPDATE of them takes,
  // while foreign keys' KEY SHARE still pass): a concurrent rating, download batch, template or
  // visibility change, or another refresh of the listing, then either committed before (and the
  // statements below read it: a VOLATILE function's statements each take a fresh snapshot) or
  // waits, and its own trigger's update sees the rows written here. Without the lock, a region's
  // verification during its version's status change wrote the status its snapshot saw. An
  // upsert, not delete and insert: two refreshes of one region row must not both insert it.
  `CREATE FUNCTION resolve_slots_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
     SELECT 1 FROM images i JOIN image_stats st ON st.image_id = i.id
     WHERE i.id IN (SELECT v.image_id FROM image_regions r JOIN image_versions v ON v.id = r.version_id
                    WHERE r.id = ANY (ids))
     ORDER BY i.id FOR NO KEY UPDATE;
     DELETE FROM resolve_slots s WHERE s.region_id = ANY (ids)
       AND NOT EXISTS (SELECT 1 FROM resolve_slots_source d WHERE d.region_id = s.region_id);
     INSERT INTO resolve_slots SELECT * FROM resolve_slots_source WHERE region_id = ANY (ids)
     ON CONFLICT (region_id) DO UPDATE SET version_id = EXCLUDED.version_id, image_id = EXCLUDED.image_id,
       template = EXCLUDED.template, region = EXCLUDED.region, architecture = EXCLUDED.architecture,
       private = EXCLUDED.private, active = EXCLUDED.active, verified = EXCLUDED.verified,
       rating_avg = EXCLUDED.rating_avg, rating_count = EXCLUDED.rating_count, download_count = EXCLUDED.download_count;
   $$`,
  `CREATE FUNCTION resolve_slots_regions_added() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM resolve_slots_refresh(ARRAY(SELECT id FROM added));
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER image_regions_slots_added AFTER INSERT ON image_regions
     REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION resolve_slots_regions_added()`,
  `CREATE FUNCTION resolve_slots_region_changed() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM resolve_slots_refresh(ARRAY[NEW.id]);
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER image_regions_slots_changed AFTER UPDATE ON image_regions FOR EACH ROW
     WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.verification_status IS DISTINCT FROM NEW.verification_status
       OR OLD.version_id IS DISTINCT FROM NEW.version_id OR OLD.region IS DISTINCT FROM NEW.region
       OR OLD.architecture IS DISTINCT FROM NEW.architecture OR OLD.id IS DISTINCT FROM NEW.id)
     EXECUTE FUNCTION resolve_slots_region_changed()`,
  `CREATE FUNCTION resolve_slots_version_changed() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM resolve_slots_refresh(ARRAY(SELECT r.id FROM image_regions r WHERE r.version_id = NEW.id));
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER image_versions_slots_changed AFTER UPDATE ON image_versions FOR EACH ROW
     WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.image_id IS DISTINCT FROM NEW.image_id)
     EXECUTE FUNCTION resolve_slots_version_changed()`,
  `CREATE FUNCTION resolve_slots_listing_changed() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     UPDATE resolve_slots SET template = NEW.template, private = NEW.visibility = 'private' WHERE image_id = NEW.id;
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER images_slots_changed AFTER UPDATE ON images FOR EACH ROW
     WHEN (OLD.template IS DISTINCT FROM NEW.template OR OLD.visibility IS DISTINCT FROM NEW.visibility)
     EXECUTE FUNCTION resolve_slots_listing_changed()`,
  `CREATE FUNCTION resolve_slots_rank_changed() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     UPDATE resolve_slots SET rating_avg = NEW.rating_avg, rating_count = NEW.rating_count,
       download_count = NEW.download_count WHERE image_id = NEW.image_id;
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER image_stats_slots_changed AFTER UPDATE ON image_stats FOR EACH ROW
     WHEN (OLD.rating_avg IS DISTINCT FROM NEW.rating_avg OR OLD.rating_count IS DISTINCT FROM NEW.rating_count
       OR OLD.download_count IS DISTINCT FROM NEW.download_count)
     EXECUTE FUNCTION resolve_slots_rank_changed()`,
  'ANALYZE resolve_slots',
];

const DOWN = [
  'DROP TRIGGER IF EXISTS image_stats_slots_changed ON image_stats',
  'DROP TRIGGER IF EXISTS images_slots_changed ON images',
  'DROP TRIGGER IF EXISTS image_versions_slots_changed ON image_versions',
  'DROP TRIGGER IF EXISTS image_regions_slots_changed ON image_regions',
  'DROP TRIGGER IF EXISTS image_regions_slots_added ON image_regions',
  'DROP FUNCTION IF EXISTS resolve_slots_rank_changed()',
  'DROP FUNCTION IF EXISTS resolve_slots_listing_changed()',
  'DROP FUNCTION IF EXISTS resolve_slots_version_changed()',
  'DROP FUNCTION IF EXISTS resolve_slots_region_changed()',
  'DROP FUNCTION IF EXISTS resolve_slots_regions_added()',
  'DROP FUNCTION IF EXISTS resolve_slots_refresh(bigint[])',
  'DROP TABLE IF EXISTS resolve_slots',
  'DROP VIEW IF EXISTS resolve_slots_source',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
