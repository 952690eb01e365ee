import { type Kysely, sql } from 'kysely';

// What a scan policy in block mode and a channel ask of each region row a resolve walks, copied
// onto resolve_slots so the walk reads columns of the row instead of running a subquery per row:
// - scan_id: the region image's latest complete scan (newest scanned_at, then id), NULL when it
//   has none (an image without a complete scan is "unscanned" to a policy);
// - scan_top: that scan's highest severity with a finding (0 informational .. 4 critical; -1 none).
//   A policy passes a row whose scan_top is at most its rank without reading anything else; only a
//   row above it needs the scan's findings (are all of those above accepted by live exceptions?);
// - channels: the listing's channels that point at the row's version (NULL: none).
// The view resolve_slots_source gains the three columns, resolve_slots_refresh() copies them, and
// triggers on scans and channels refresh the region rows they touch (with the refresh's locks,
// so a concurrent rating, verification or status change and a scan or channel change serialise
// on the listing as before).
const SCAN_TOP = `CASE WHEN s.critical > 0 THEN 4 WHEN s.high > 0 THEN 3 WHEN s.medium > 0 THEN 2
  WHEN s.low > 0 THEN 1 WHEN s.informational > 0 THEN 0 ELSE -1 END::smallint`;

const SOURCE_COLUMNS = `r.id AS region_id, v.id AS version_id, v.image_id, i.template, r.region, r.architecture,
     i.visibility = 'private' AS private, v.status = 'active' AS active, r.verification_status = 'verified' AS verified,
     st.rating_avg, st.rating_count, st.download_count`;
const SOURCE_FROM = `FROM image_regions r
   JOIN image_versions v ON v.id = r.version_id
   JOIN images i ON i.id = v.image_id
   JOIN image_stats st ON st.image_id = v.image_id`;
const SOURCE_WHERE = `WHERE r.state = 'available' AND v.status IN ('active', 'deprecated')`;

const refresh = (
  extraSet: string,
) => `CREATE OR REPLACE FUNCTION resolve_slots_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
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
       rating_avg = EXCLUDED.rating_avg, rating_count = EXCLUDED.rating_count, download_count = EXCLUDED.download_count${extraSet};
   $$`;

const UP = [
  `ALTER TABLE resolve_slots ADD COLUMN scan_id bigint, ADD COLUMN scan_top smallint, ADD COLUMN channels text[]`,
  `CREATE OR REPLACE VIEW resolve_slots_source AS
   SELECT ${SOURCE_COLUMNS},
     sc.id AS scan_id, sc.top AS scan_top,
     (SELECT array_agg(ch.name ORDER BY ch.name) FROM channels ch
      WHERE ch.image_id = v.image_id AND ch.version_id = v.id) AS channels
   ${SOURCE_FROM}
   LEFT JOIN LATERAL (SELECT s.id, ${SCAN_TOP} AS top FROM scans s
     WHERE s.region_image_id = r.id AND s.status = 'complete'
     ORDER BY s.scanned_at DESC, s.id DESC LIMIT 1) sc ON true
   ${SOURCE_WHERE}`,
  refresh(`,
       scan_id = EXCLUDED.scan_id, scan_top = EXCLUDED.scan_top, channels = EXCLUDED.channels`),
  `UPDATE resolve_slots rs SET scan_id = sc.id, scan_top = sc.top
   FROM (SELECT DISTINCT ON (s.region_image_id) s.region_image_id, s.id, ${SCAN_TOP} AS top FROM scans s
         WHERE s.status = 'complete' ORDER BY s.region_image_id, s.scanned_at DESC, s.id DESC) sc
   WHERE sc.region_image_id = rs.region_id`,
  `UPDATE resolve_slots rs SET channels = c.names
   FROM (SELECT image_id, version_id, array_agg(name ORDER BY name) AS names FROM channels
         GROUP BY image_id, version_id) c
   WHERE c.image_id = rs.image_id AND c.version_id = rs.version_id`,
  // Scans: new and deleted rows per statement (a cascade from a region deletes them too), a
  // changed one (a pending scan completing) per row.
  `CREATE FUNCTION resolve_slots_scans_added() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM resolve_slots_refresh(ARRAY(SELECT DISTINCT region_image_id FROM added));
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER scans_slots_added AFTER INSERT ON scans
     REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION resolve_slots_scans_added()`,
  `CREATE FUNCTION resolve_slots_scans_removed() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM resolve_slots_refresh(ARRAY(SELECT DISTINCT region_image_id FROM removed));
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER scans_slots_removed AFTER DELETE ON scans
     REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION resolve_slots_scans_removed()`,
  `CREATE FUNCTION resolve_slots_scan_changed() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM resolve_slots_refresh(ARRAY[OLD.region_image_id, NEW.region_image_id]);
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER scans_slots_changed AFTER UPDATE ON scans FOR EACH ROW
     WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.scanned_at IS DISTINCT FROM NEW.scanned_at
       OR OLD.region_image_id IS DISTINCT FROM NEW.region_image_id OR OLD.id IS DISTINCT FROM NEW.id
       OR OLD.critical IS DISTINCT FROM NEW.critical OR OLD.high IS DISTINCT FROM NEW.high
       OR OLD.medium IS DISTINCT FROM NEW.medium OR OLD.low IS DISTINCT FROM NEW.low
       OR OLD.informational IS DISTINCT FROM NEW.informational)
     EXECUTE FUNCTION resolve_slots_scan_changed()`,
  // Channels: the region rows of the version a channel pointed at and of the one it points at.
  `CREATE FUNCTION resolve_slots_channel_changed() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE
     versions bigint[];
   BEGIN
     IF TG_OP = 'INSERT' THEN versions := ARRAY[NEW.version_id];
     ELSIF TG_OP = 'DELETE' THEN versions := ARRAY[OLD.version_id];
     ELSE versions := ARRAY[OLD.version_id, NEW.version_id];
     END IF;
     PERFORM resolve_slots_refresh(ARRAY(SELECT r.id FROM image_regions r WHERE r.version_id = ANY (versions)));
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER channels_slots_changed AFTER INSERT OR DELETE OR UPDATE OF version_id, name, image_id ON channels
     FOR EACH ROW EXECUTE FUNCTION resolve_slots_channel_changed()`,
  'ANALYZE resolve_slots',
];

const DOWN = [
  'DROP TRIGGER IF EXISTS channels_slots_changed ON channels',
  'DROP TRIGGER IF EXISTS scans_slots_changed ON scans',
  'DROP TRIGGER IF EXISTS scans_slots_removed ON scans',
  'DROP TRIGGER IF EXISTS scans_slots_added ON scans',
  'DROP FUNCTION IF EXISTS resolve_slots_channel_changed()',
  'DROP FUNCTION IF EXISTS resolve_slots_scan_changed()',
  'DROP FUNCTION IF EXISTS resolve_slots_scans_removed()',
  'DROP FUNCTION IF EXISTS resolve_slots_scans_added()',
  'DROP VIEW resolve_slots_source',
  `CREATE VIEW resolve_slots_source AS SELECT ${SOURCE_COLUMNS} ${SOURCE_FROM} ${SOURCE_WHERE}`,
  refresh(''),
  'ALTER TABLE resolve_slots DROP COLUMN scan_id, DROP COLUMN scan_top, DROP COLUMN channels',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
