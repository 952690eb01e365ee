import { type Kysely, sql } from 'kysely';

// The scan triggers of 2026120375 refreshed whole slot rows through resolve_slots_refresh(), which
// locks the listing's images/image_stats rows: a scan insert (holding KEY SHARE on its region row by
// the foreign key) then waited for a publish that held the listing and waited to delete that region
// row, a deadlock. A scan changes only the scan columns, so its triggers now update those columns of
// the rows concerned and lock nothing else.
const SET_SCAN = `UPDATE resolve_slots rs SET (scan_id, scan_top) = (
       SELECT s.id, CASE WHEN s.critical > 0 THEN 4 WHEN s.high > 0 THEN 3 WHEN s.medium > 0 THEN 2
         WHEN s.low > 0 THEN 1 WHEN s.informational > 0 THEN 0 ELSE -1 END::smallint
       FROM scans s WHERE s.region_image_id = rs.region_id AND s.status = 'complete'
       ORDER BY s.scanned_at DESC, s.id DESC LIMIT 1)
     WHERE rs.region_id = ANY`;

const fn = (name: string, ids: string, setScan: boolean) => `CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger
   LANGUAGE plpgsql AS $$
   BEGIN
     ${setScan ? `${SET_SCAN} (${ids});` : `PERFORM resolve_slots_refresh(${ids});`}
     RETURN NULL;
   END $$`;

const functions = (setScan: boolean) => [
  fn('resolve_slots_scans_added', 'ARRAY(SELECT DISTINCT region_image_id FROM added)', setScan),
  fn('resolve_slots_scans_removed', 'ARRAY(SELECT DISTINCT region_image_id FROM removed)', setScan),
  fn('resolve_slots_scan_changed', 'ARRAY[OLD.region_image_id, NEW.region_image_id]', setScan),
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of functions(true)) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of functions(false)) await sql.raw(statement).execute(db);
}
