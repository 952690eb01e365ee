import { migrationNameOrder, migrations } from '@cws/migrations';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely, Migrator, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { PGliteDialect } from './pglite-dialect.js';

const pglite = await PGlite.create({ extensions: { pg_trgm } });
const db = new Kysely<unknown>({ dialect: new PGliteDialect({ pglite }) });
afterAll(() => db.destroy());

const NAME = '2026120330_drop_unused_search_indexes';
const indexes = async () =>
  (
    await sql<{ name: string }>`SELECT indexname AS name FROM pg_indexes
      WHERE tablename = 'images' AND indexname IN ('images_fts_idx', 'images_trgm_idx') ORDER BY 1`.execute(db)
  ).rows.map((r) => r.name);

describe(`migration ${NAME}`, () => {
  it('drops the tsvector and trigram indexes of images, and down makes them again', async () => {
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => migrations },
      nameComparator: migrationNameOrder,
    });
    const before = new Migrator({
      db,
      nameComparator: migrationNameOrder,
      provider: {
        // The migrations before this one (Kysely orders them by name); later ones come after it.
        getMigrations: async () => Object.fromEntries(Object.entries(migrations).filter(([n]) => n < NAME)),
      },
    });
    expect((await before.migrateToLatest()).error).toBeUndefined();
    expect(await indexes()).toEqual(['images_fts_idx', 'images_trgm_idx']);
    expect((await migrator.migrateTo(NAME)).error).toBeUndefined();
    expect(await indexes()).toEqual([]);
    expect((await migrator.migrateDown()).results?.[0]).toMatchObject({ migrationName: NAME, status: 'Success' });
    expect(await indexes()).toEqual(['images_fts_idx', 'images_trgm_idx']);
  });
});
