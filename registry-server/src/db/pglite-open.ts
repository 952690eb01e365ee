import { mkdirSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';

/**
 * An embedded Postgres with what the registry needs (pg_trgm; int8 as numbers). null: in memory.
 * PGlite (0.5 MB of JavaScript) is loaded here, on first use: the server runs it in its database
 * thread (pglite-worker.ts), so the HTTP thread never needs to load it.
 */
export async function openPglite(dataDir: string | null): Promise<PGlite> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const [{ PGlite }, { pg_trgm }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/pg_trgm'),
  ]);
  return PGlite.create(dataDir ?? 'memory://', {
    extensions: { pg_trgm },
    parsers: { 20: (v: string) => Number(v) },
  });
}
