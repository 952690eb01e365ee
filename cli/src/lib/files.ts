import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes a file so that readers never see half of it: a temporary file in the same folder, then a rename.
 * The temporary file is created with `mode`, so a secret is never readable by others, not even for a moment.
 */
export async function writeFileAtomic(file: string, content: string, mode: number, dirMode = 0o700): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: dirMode });
  // The name only has to be unused: 'wx' (O_EXCL) refuses an existing file or symlink and the folder is the user's
  // own. Math.random, not node:crypto: loading crypto (~20 modules) was a tenth of a `cws ami resolve`'s start-up.
  const tmp = `${file}.${process.pid}.${Math.random().toString(16).slice(2, 10)}.tmp`;
  try {
    await writeFile(tmp, content, { mode, flag: 'wx' });
    // The umask may have narrowed the mode; set it exactly.
    await chmod(tmp, mode);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The file's text, or undefined when it does not exist. */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
