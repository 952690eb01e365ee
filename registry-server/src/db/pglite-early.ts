import { DataFolderLock } from './data-lock.js';
import { PGliteThread } from './pglite-thread.js';

/** An embedded database folder locked by this process, its database thread already booting. */
export interface EmbeddedStart {
  dataDir: string;
  lock: DataFolderLock;
  thread: PGliteThread;
}

/**
 * Locks the embedded folder and starts opening PGlite in its thread, before the rest of the
 * server is loaded (main.ts calls it first): opening PGlite (~0.8 s of CPU: its WebAssembly, its
 * files, Postgres' own start) then overlaps loading the server's modules (~1 s) instead of
 * following it. createDatabase() takes it over (ContextOverrides.embedded) and waits for it.
 * The lock comes first, as in createDatabase: PGlite never opens a folder another process holds.
 */
export function startEmbedded(dataDir: string): EmbeddedStart {
  const lock = DataFolderLock.acquire(dataDir);
  process.once('exit', () => lock.release());
  try {
    return { dataDir, lock, thread: PGliteThread.start(dataDir) };
  } catch (err) {
    lock.release();
    throw err;
  }
}
