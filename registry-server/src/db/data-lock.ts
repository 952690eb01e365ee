import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'cws-registry.lock';

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  started: string;
  /** The API of the server holding the folder, once it listens (import goes through it). */
  url?: string;
}

/** The embedded database folder is open in another process. */
export class DataFolderLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `the embedded database in ${dataDir} is in use by process ${holder.pid} (${holder.command}` +
        `${holder.url ? ` at ${holder.url}` : ''}, on ${holder.host} since ${holder.started}); ` +
        'PGlite must be opened by one process at a time. Stop that process, or talk to it over HTTP',
    );
    this.name = 'DataFolderLockedError';
  }

  /** The same error with what to do next appended. */
  withHint(hint: string): DataFolderLockedError {
    this.message = `${this.message}; ${hint}`;
    return this;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who holds the folder, or null when nobody live does. */
export function lockHolder(dataDir: string): LockHolder | null {
  let holder: LockHolder;
  try {
    holder = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as LockHolder;
  } catch {
    return null;
  }
  if (holder.host === hostname() && !alive(holder.pid)) return null;
  return holder;
}

/**
 * An exclusive lock on an embedded database folder, taken before PGlite opens it: a lock file
 * created with O_EXCL naming this process. A lock left by a process that died is taken over.
 * (A lock naming another host is respected: the folder may be on a shared disk.)
 */
export class DataFolderLock {
  #path: string;
  #holder: LockHolder;
  #released = false;

  private constructor(
    readonly dataDir: string,
    holder: LockHolder,
  ) {
    this.#path = join(dataDir, LOCK_FILE);
    this.#holder = holder;
  }

  static acquire(dataDir: string, command = process.argv.slice(1).join(' ') || 'node'): DataFolderLock {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, LOCK_FILE);
    const holder: LockHolder = { pid: process.pid, host: hostname(), command, started: new Date().toISOString() };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        writeFileSync(fd, JSON.stringify(holder));
        closeSync(fd);
        return new DataFolderLock(dataDir, holder);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const current = lockHolder(dataDir);
      if (current) throw new DataFolderLockedError(dataDir, current);
      // Stale: its process is gone. Rename it away (atomic: of two processes, one wins) and retry.
      try {
        const aside = `${path}.stale-${process.pid}`;
        renameSync(path, aside);
        rmSync(aside, { force: true });
      } catch {
        // Someone else took it over first; the next attempt sees theirs.
      }
    }
    const current = lockHolder(dataDir);
    if (current) throw new DataFolderLockedError(dataDir, current);
    throw new Error(`could not lock ${dataDir}`);
  }

  /** Records the URL the server listens on, so other commands can go through it. */
  advertise(url: string): void {
    if (this.#released) return;
    this.#holder = { ...this.#holder, url };
    writeFileSync(this.#path, JSON.stringify(this.#holder));
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    try {
      const current = JSON.parse(readFileSync(this.#path, 'utf8')) as LockHolder;
      if (current.pid === process.pid) unlinkSync(this.#path);
    } catch {
      // Already gone.
    }
  }
}
