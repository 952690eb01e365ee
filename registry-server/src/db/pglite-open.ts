import { mkdirSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';

/**
 * Settings added to PGlite's own start parameters (which already turn fsync off: `-F`).
 * - full_page_writes=off: after every checkpoint (and so after every open, since closing
 *   checkpoints) the first change of a page copied the whole 8 KB page into the WAL; that was most
 *   of a rating's WAL (10-19 KB per rating on the 100k bench catalogue, 0.9 KB without). Full-page
 *   images repair pages torn by an operating-system crash or power loss halfway through a write;
 *   with fsync off that crash is not survivable anyway, and a crash of the server process itself
 *   cannot tear a page: each page goes to the kernel in one write() and stays in its cache.
 * - wal_init_zero=off: a new 16 MB WAL segment is not first written full of zeros.
 */
const START_PARAMS = ['-c', 'full_page_writes=off', '-c', 'wal_init_zero=off'];

/**
 * An embedded Postgres with what the registry needs (pg_trgm; int8 as numbers). null: in memory.
 * PGlite (0.5 MB of JavaScript) is loaded here, on first use: the server runs it in its database
 * thread (pglite-worker.ts), so the HTTP thread never needs to load it.
 * `loadDataDir`: start from a dump of another instance (`dumpDataDir()`) instead of an empty cluster: no
 * initdb, which is most of the cost of a new in-memory instance (~8 s of CPU against ~2 s; the test
 * suite starts every embedded registry from one migrated dump this way).
 */
export async function openPglite(dataDir: string | null, opts: { loadDataDir?: Blob } = {}): Promise<PGlite> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const [{ PGlite }, { pg_trgm }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/pg_trgm'),
  ]);
  return PGlite.create(dataDir ?? 'memory://', {
    extensions: { pg_trgm },
    ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
    parsers: { 20: (v: string) => Number(v) },
    startParams: [...PGlite.defaultStartParams, ...START_PARAMS],
  });
}
