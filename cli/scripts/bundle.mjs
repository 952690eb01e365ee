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
  metafile: true,
  logLevel: 'warning',
});
if (process.env.CWS_BUNDLE_METAFILE === '1') {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(`${here}dist/bundle/meta.json`, JSON.stringify(result.metafile));
}
// `import { z } from 'zod'` hands esbuild one namespace object holding all of zod (~440 kB minified, every locale);
// `import * as z from 'zod'` lets it keep only what is used (~100 kB). Catch the first form creeping back in.
let zodBytes = 0;
for (const output of Object.values(result.metafile.outputs)) {
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    if (/node_modules\/(\.pnpm\/zod@[^/]+\/node_modules\/)?zod\//.test(input)) zodBytes += bytesInOutput;
  }
}
if (zodBytes > 200_000) {
  console.error(
    `cws bundle: zod takes ${Math.round(zodBytes / 1000)} kB; write \`import * as z from 'zod'\` in cli/ and shared/ (not \`import { z }\`).`,
  );
  process.exit(1);
}
