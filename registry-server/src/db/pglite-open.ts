import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

/** An embedded Postgres with what the registry needs (pg_trgm; int8 as numbers). null: in memory. */
export function openPglite(dataDir: string | null): Promise<PGlite> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  return PGlite.create(dataDir ?? 'memory://', {
    extensions: { pg_trgm },
    parsers: { 20: (v: string) => Number(v) },
  });
}
