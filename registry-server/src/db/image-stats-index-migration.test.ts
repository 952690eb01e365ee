import { migrationNameOrder, migrations } from '@cws/migrations';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely, Migrator, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { PGliteDialect } from './pglite-dialect.js';

const pglite = await PGlite.create({ extensions: { pg_trgm } });
const db = new Kysely<unknown>({ dialect: new PGliteDialect({ pglite }) });
afterAll(() => db.destroy());

const NAME = '2026120350_drop_image_stats_rank_index';
const statsIndexes = async () =>
  (
    await sql<{ name: string }>`SELECT indexname AS name FROM pg_indexes WHERE tablename = 'image_stats'
      ORDER BY 1`.execute(db)
  ).rows.map((r) => r.name);
const KEPT = ['image_stats_downloads_idx', 'image_stats_pkey', 'image_stats_rating_idx'];

describe(`migration ${NAME}`, () => {
  it('leaves image_stats the indexes that queries read (not the old resolve rank), and down makes it again', async () => {
    const upTo = (last: string) =>
      new Migrator({
        db,
        nameComparator: migrationNameOrder,
        // Kysely runs them in name order: everything up to and including `last`.
        provider: {
          getMigrations: async () => Object.fromEntries(Object.entries(migrations).filter(([n]) => n <= last)),
        },
      });
    expect((await upTo('2026120340_resolve_slots').migrateToLatest()).error).toBeUndefined();
    expect(await statsIndexes()).toEqual([...KEPT, 'image_stats_resolve_rank_idx'].sort());
    const migrator = upTo(NAME);
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect(await statsIndexes()).toEqual(KEPT);
    expect((await migrator.migrateDown()).results?.[0]).toMatchObject({ migrationName: NAME, status: 'Success' });
    expect(await statsIndexes()).toEqual([...KEPT, 'image_stats_resolve_rank_idx'].sort());
  });
});
