// Bundles the compiled server (dist/, after tsc -b) with the packages it loads at start-up into dist/bundle/, so
// `cws-registry` loads a handful of files instead of some 600 modules: module loading was most of the start-up's
// critical path on PGlite (1.7 s of the main thread's CPU at load 20 against 0.65 s bundled). Code splitting keeps
// each dynamic import() a chunk of its own: main.js still locks the embedded folder and starts PGlite's thread before
// the server's chunk loads, so the two overlap as before. Left outside, loaded from node_modules where used: the AWS
// SDK, PGlite (its WebAssembly and data files sit beside its code; it runs in its worker, dist/db/pglite-worker.js,
// which stays unbundled), node-postgres, ioredis, passport and passport-saml (loaded only when configured).
//
// The compiled files find their neighbours through import.meta.url (package.json, data/, the PGlite worker): in the
// bundle each such use is replaced by the URL its own file had in dist/, worked out from the chunk's URL, so the
// bundle runs wherever the tree is. bin/cws-registry.js runs the bundle when it is newer than the last tsc -b.
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, relative } from 'node:path';

// esbuild is the CLI's build dependency (cli/scripts/bundle.mjs): resolved from there.
const { build } = createRequire(new URL('../../cli/package.json', import.meta.url))('esbuild');

const here = new URL('..', import.meta.url).pathname;
const out = `${here}dist/bundle`;
rmSync(out, { recursive: true, force: true });

const ownUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\/registry-server\/dist\/.*\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const from = relative(out, dirname(args.path)) || '.';
      const file = args.path.slice(dirname(args.path).length + 1);
      return {
        contents: text.replaceAll(
          'import.meta.url',
          `new URL(${JSON.stringify(`${from}/${file}`)}, import.meta.url).href`,
        ),
        loader: 'js',
      };
    });
  },
};

const result = await build({
  entryPoints: { main: `${here}dist/main.js`, index: `${here}dist/index.js`, early: `${here}dist/early.js` },
  outdir: out,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: [
    '@aws-sdk/*',
    '@smithy/*',
    '@electric-sql/pglite',
    '@electric-sql/pglite/*',
    'pg',
    'ioredis',
    'passport',
    '@node-saml/*',
  ],
  // Some bundled CommonJS dependencies call require(): give the ESM bundle one.
  banner: {
    js: "import { createRequire as __cwsCreateRequire } from 'node:module'; const require = __cwsCreateRequire(import.meta.url);",
  },
  metafile: true,
  logLevel: 'warning',
  plugins: [ownUrl],
});
const inputs = Object.keys(result.metafile.inputs).length;
process.stdout.write(`registry-server: bundled ${inputs} modules into dist/bundle/\n`);
