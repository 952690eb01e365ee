import { type Kysely, sql } from 'kysely';

// A search page's listings as the API shows them (services/present.ts toSummary), kept per listing
// as JSON text so a page concatenates 20 of them instead of building them: the per-listing
// aggregate of versions and regions (newest version, regions, architectures: two sorts per row)
// and the 16-key json_build_object were over half of a search's database time on PostgreSQL.
// The counters (rating, downloads, launches) change with every rating and are not in the card:
// the page puts them between `head` (ref .. verified) and `tail` (latest_version .. updated_at),
// in toSummary's key order.
//
// `listing_cards_source` is the definition; triggers keep the table equal to it:
// - images: a new listing, and a change of a column the card shows, per row (the updater holds
//   the row's lock);
// - image_regions: inserted and deleted rows, per statement (transition tables);
// - image_versions: a status or listing change per row, deleted rows per statement.
// listing_cards_refresh() first locks the listings' images rows FOR NO KEY UPDATE in id order, as
// resolve_slots_refresh() does (the same triggers take that lock already on region inserts and
// version changes), so two changes of one listing take turns: the second's statements, each with a
// fresh snapshot (a VOLATILE function), see what the first committed. users.handle never changes.
const VERSIONS = `(SELECT (array_agg(v.version ORDER BY v.id DESC))[1] AS latest,
       array_agg(DISTINCT r.region COLLATE "C" ORDER BY r.region COLLATE "C") AS regions,
       array_agg(DISTINCT r.architecture COLLATE "C" ORDER BY r.architecture COLLATE "C") AS architectures
     FROM image_versions v JOIN image_regions r ON r.version_id = v.id
     WHERE v.image_id = i.id AND v.status <> 'revoked')`;

const UP = [
  `CREATE TABLE listing_cards (
    image_id bigint PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
    head text NOT NULL,
    tail text NOT NULL
  )`,
  `CREATE VIEW listing_cards_source AS
   SELECT i.id AS image_id,
     left(json_build_object('ref', u.handle || '/' || i.name, 'owner', u.handle, 'name', i.name,
       'template', i.template, 'category', i.category, 'description', i.description,
       'tags', coalesce(i.tags, '{}'), 'visibility', i.visibility, 'verified', i.verified)::text, -1) AS head,
     substr(json_build_object('latest_version', vr.latest, 'regions', coalesce(vr.regions, '{}'),
       'architectures', coalesce(vr.architectures, '{}'),
       'updated_at', to_char(i.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text, 2) AS tail
   FROM images i JOIN users u ON u.id = i.owner_id
   CROSS JOIN LATERAL ${VERSIONS} vr`,
  `INSERT INTO listing_cards SELECT * FROM listing_cards_source`,
  `CREATE FUNCTION listing_cards_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
     SELECT 1 FROM images i WHERE i.id = ANY (ids) ORDER BY i.id FOR NO KEY UPDATE;
     INSERT INTO listing_cards SELECT * FROM listing_cards_source WHERE image_id = ANY (ids)
     ON CONFLICT (image_id) DO UPDATE SET head = EXCLUDED.head, tail = EXCLUDED.tail
       WHERE (listing_cards.head, listing_cards.tail) IS DISTINCT FROM (EXCLUDED.head, EXCLUDED.tail);
   $$`,
  `CREATE FUNCTION listing_cards_image_changed() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM listing_cards_refresh(ARRAY[NEW.id]);
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER images_cards_added AFTER INSERT ON images
     FOR EACH ROW EXECUTE FUNCTION listing_cards_image_changed()`,
  `CREATE TRIGGER images_cards_changed AFTER UPDATE ON images FOR EACH ROW
     WHEN ((OLD.owner_id, OLD.name, OLD.template, OLD.category, OLD.description, OLD.tags, OLD.visibility,
            OLD.verified, OLD.updated_at)
       IS DISTINCT FROM (NEW.owner_id, NEW.name, NEW.template, NEW.category, NEW.description, NEW.tags,
            NEW.visibility, NEW.verified, NEW.updated_at))
     EXECUTE FUNCTION listing_cards_image_changed()`,
  // Inserted and deleted region rows alike: each trigger names its transition table "changed".
  `CREATE FUNCTION listing_cards_regions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM listing_cards_refresh(ARRAY(SELECT DISTINCT v.image_id FROM changed c
       JOIN image_versions v ON v.id = c.version_id));
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER image_regions_cards_added AFTER INSERT ON image_regions
     REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION listing_cards_regions_changed()`,
  `CREATE TRIGGER image_regions_cards_removed AFTER DELETE ON image_regions
     REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION listing_cards_regions_changed()`,
  `CREATE FUNCTION listing_cards_version_changed() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM listing_cards_refresh(ARRAY[OLD.image_id, NEW.image_id]);
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER image_versions_cards_changed AFTER UPDATE ON image_versions FOR EACH ROW
     WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.image_id IS DISTINCT FROM NEW.image_id
       OR OLD.version IS DISTINCT FROM NEW.version)
     EXECUTE FUNCTION listing_cards_version_changed()`,
  `CREATE FUNCTION listing_cards_versions_removed() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM listing_cards_refresh(ARRAY(SELECT DISTINCT image_id FROM removed));
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER image_versions_cards_removed AFTER DELETE ON image_versions
     REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION listing_cards_versions_removed()`,
  'ANALYZE listing_cards',
];

const DOWN = [
  'DROP TRIGGER image_versions_cards_removed ON image_versions',
  'DROP TRIGGER image_versions_cards_changed ON image_versions',
  'DROP TRIGGER image_regions_cards_removed ON image_regions',
  'DROP TRIGGER image_regions_cards_added ON image_regions',
  'DROP TRIGGER images_cards_changed ON images',
  'DROP TRIGGER images_cards_added ON images',
  'DROP FUNCTION listing_cards_versions_removed()',
  'DROP FUNCTION listing_cards_version_changed()',
  'DROP FUNCTION listing_cards_regions_changed()',
  'DROP FUNCTION listing_cards_image_changed()',
  'DROP FUNCTION listing_cards_refresh(bigint[])',
  'DROP VIEW listing_cards_source',
  'DROP TABLE listing_cards',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
