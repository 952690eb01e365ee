// Bundles the compiled commands (dist/commands/index.js) with everything they import into one
// ESM file, so `cws` loads a handful of files instead of several hundred modules (module
// loading was most of a resolve's 0.9 s). oclif stays outside (it reads its own package files);
// the AWS SDK stays outside and is loaded only when a tier needs it (dynamic imports).
import { build } from 'esbuild';

const here = new URL('..', import.meta.url).pathname;
await build({
  entryPoints: [`${here}dist/commands/index.js`],
  outfile: `${here}dist/bundle/commands.js`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['@oclif/core', '@aws-sdk/*', '@smithy/*'],
  // Some bundled CommonJS dependencies call require(): give the ESM bundle one.
  banner: {
    js: "import { createRequire as __cwsCreateRequire } from 'node:module'; const require = __cwsCreateRequire(import.meta.url);",
  },
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
});
