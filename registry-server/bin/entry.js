import { statSync } from 'node:fs';

const mtime = (url) => {
  try {
    return statSync(url).mtimeMs;
  } catch {
    return 0;
  }
};

/**
 * The module to run for a dist entry (main, index, early): the bundle's (scripts/bundle.mjs, made by `pnpm build`),
 * unless a tsc -b ran after it (a tsbuildinfo of the server, shared or migrations is newer: the bundle is stale),
 * then the compiled file itself. A few stats, no reading.
 */
export function distEntry(name) {
  const bundle = new URL(`../dist/bundle/${name}.js`, import.meta.url);
  const made = mtime(bundle);
  const built = Math.max(
    ...['../tsconfig.tsbuildinfo', '../../shared/tsconfig.tsbuildinfo', '../../migrations/tsconfig.tsbuildinfo'].map(
      (p) => mtime(new URL(p, import.meta.url)),
    ),
  );
  return made > 0 && made >= built ? bundle.href : new URL(`../dist/${name}.js`, import.meta.url).href;
}
