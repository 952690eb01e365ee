import { type Kysely, sql } from 'kysely';

// 2026120380 took the listing lock out of the scan triggers (a scan insert holding KEY SHARE on its
// region row deadlocked with a publish holding the listing and deleting that row). Without it a scan
// and a refresh of the same slot row no longer took turns: a region change's refresh computed the
// row from a snapshot taken before the scan committed, waited for the scan's row lock, then wrote
// the stale scan columns back (and two scans of one region could leave the older one on the row).
// A scan insert now locks its listing (FOR NO KEY UPDATE, the refresh's lock) in a BEFORE trigger,
// before its foreign key takes KEY SHARE on the region row: it waits for a publish instead of holding
// a lock the publish needs, and the AFTER trigger's statement sees whatever the lock waited for.
const UP = [
  `CREATE FUNCTION scans_lock_listing() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM 1 FROM images i
     WHERE i.id = (SELECT v.image_id FROM image_regions r JOIN image_versions v ON v.id = r.version_id
                   WHERE r.id = NEW.region_image_id)
     FOR NO KEY UPDATE;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER scans_lock_listing BEFORE INSERT ON scans FOR EACH ROW EXECUTE FUNCTION scans_lock_listing()`,
];

const DOWN = ['DROP TRIGGER scans_lock_listing ON scans', 'DROP FUNCTION scans_lock_listing()'];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
