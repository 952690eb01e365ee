// Bundles the compiled CLI (dist/bundle-entry.js: the command list and oclif) with everything it imports into
// dist/bundle/, so `cws` loads a handful of files instead of several hundred modules (module loading was most of
// a resolve's 0.9 s). Code splitting keeps each dynamic import() a chunk of its own, loaded only when a command
// gets there: a resolve never parses the build, publish or save code. The AWS SDK stays outside, installed as a
// dependency, and is loaded only when a tier needs it.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const here = new URL('..', import.meta.url).pathname;
rmSync(`${here}dist/bundle`, { recursive: true, force: true });
const result = await build({
  entryPoints: { commands: `${here}dist/bundle-entry.js` },
  outdir: `${here}dist/bundle`,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // oclif looks for typescript only to run a linked plugin's .ts sources, which cws never has.
  external: ['@aws-sdk/*', '@smithy/*', 'typescript'],
  // Some bundled CommonJS dependencies call require(): give the ESM bundle one.
  banner: {
    js: "import { createRequire as __cwsCreateRequire } from 'node:module'; const require = __cwsCreateRequire(import.meta.url);",
  },
  minify: true,
  sourcemap: 'linked',
  metafile: process.env.CWS_BUNDLE_METAFILE === '1',
  logLevel: 'warning',
});
if (result.metafile) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(`${here}dist/bundle/meta.json`, JSON.stringify(result.metafile));
}
