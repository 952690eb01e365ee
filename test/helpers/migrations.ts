import { migrationNameOrder, migrations } from '@cws/migrations';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely, Migrator } from 'kysely';
import { expect } from 'vitest';
import { PGliteDialect } from '../../registry-server/src/db/pglite-dialect.js';

/**
 * A new embedded database migrated to just before migration `name`, and a migrator of every
 * migration to take it on from there (`migrateTo(name)`, `migrateDown()`): for a migration's test
 * over rows written before it ran.
 */
export async function migratedBefore(name: string) {
  const pglite = await PGlite.create({ extensions: { pg_trgm } });
  const db = new Kysely<unknown>({ dialect: new PGliteDialect({ pglite }) });
  const before = new Migrator({
    db,
    nameComparator: migrationNameOrder,
    provider: {
      // The migrations before this one (Kysely orders them by name).
      getMigrations: async () => Object.fromEntries(Object.entries(migrations).filter(([n]) => n < name)),
    },
  });
  expect((await before.migrateToLatest()).error).toBeUndefined();
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    nameComparator: migrationNameOrder,
  });
  return { db, migrator };
}
