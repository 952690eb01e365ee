import { migrationNameOrder, migrations } from '@cws/migrations';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely, Migrator, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { PGliteDialect } from './pglite-dialect.js';

const pglite = await PGlite.create({ extensions: { pg_trgm } });
const db = new Kysely<unknown>({ dialect: new PGliteDialect({ pglite }) });
afterAll(() => db.destroy());

function migrator(upTo: string[]) {
  return new Migrator({
    db,
    nameComparator: migrationNameOrder,
    provider: { getMigrations: async () => Object.fromEntries(upTo.map((n) => [n, migrations[n]!])) },
    allowUnorderedMigrations: true,
  });
}

describe('migration 20261201110000_trust on a database that lists one AMI twice', () => {
  it('keeps the oldest claim, logs the others in the audit log and makes the AMI id unique', async () => {
    const before = Object.keys(migrations).filter((n) => n < '20261201110000');
    expect((await migrator(before).migrateToLatest()).error).toBeUndefined();
    await sql`INSERT INTO users (handle) VALUES ('alice'), ('mallory')`.execute(db);
    await sql`INSERT INTO images (owner_id, name, template) VALUES (1, 'lab', 'python-ml'), (2, 'copy', 'python-ml')`.execute(
      db,
    );
    await sql`INSERT INTO image_versions (image_id, version, created_by) VALUES (1, '1.0', 1), (2, '1.0', 2)`.execute(
      db,
    );
    await sql`INSERT INTO image_regions (version_id, region, architecture, ami_id) VALUES
      (1, 'us-east-1', 'x86_64', 'ami-0aaaaaaaaaaaaaaaa'), (2, 'us-east-1', 'x86_64', 'ami-0aaaaaaaaaaaaaaaa'),
      (2, 'us-west-2', 'x86_64', 'ami-0bbbbbbbbbbbbbbbb')`.execute(db);

    const { error } = await migrator(Object.keys(migrations)).migrateToLatest();
    expect(error).toBeUndefined();

    const rows = await sql<{
      version_id: number;
      ami_id: string;
    }>`SELECT version_id::int, ami_id FROM image_regions ORDER BY id`.execute(db);
    expect(rows.rows).toEqual([
      { version_id: 1, ami_id: 'ami-0aaaaaaaaaaaaaaaa' },
      { version_id: 2, ami_id: 'ami-0bbbbbbbbbbbbbbbb' },
    ]);
    const logged = await sql<{ action: string; target: string; image_id: number }>`
      SELECT action, target, image_id::int FROM audit_log`.execute(db);
    expect(logged.rows).toEqual([{ action: 'ami.claim_removed', target: 'ami-0aaaaaaaaaaaaaaaa', image_id: 2 }]);
    await expect(
      sql`INSERT INTO image_regions (version_id, region, architecture, ami_id) VALUES (2, 'eu-west-1', 'x86_64', 'ami-0aaaaaaaaaaaaaaaa')`.execute(
        db,
      ),
    ).rejects.toThrow(/unique/);
  });
});
