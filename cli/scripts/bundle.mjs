// Bundles the compiled CLI (dist/bundle-entry.js: the command list and oclif) with everything it imports into
// dist/bundle/, so `cws` loads a handful of files instead of several hundred modules (module loading was most of
// a resolve's 0.9 s). Code splitting keeps each dynamic import() a chunk of its own, loaded only when a command
// gets there: a resolve never parses the build, publish or save code. The AWS SDK stays outside, installed as a
// dependency, and is loaded only when a tier needs it.
//
// A second entry, dist/bundle/lean.cjs (src/lean/), runs `cws ami resolve` without oclif; it reads the command's flags
// from dist/bundle/lean-commands.json, written here from the oclif command itself. The built-in templates are kept
// as data too (dist/bundle/builtin-templates.json), so naming one does not load the YAML parser.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { build } from 'esbuild';

const here = new URL('..', import.meta.url).pathname;
rmSync(`${here}dist/bundle`, { recursive: true, force: true });

/**
 * @cws/shared and yaml have no side effects at load: say so (as package.json "sideEffects": false would), so the
 * bundle keeps only the parts of them a chunk uses. Without it every chunk importing anything from @cws/shared
 * builds the zod schemas of the whole API (most of a resolve's start-up) and loads yaml.
 */
const sideEffectFree = {
  name: 'side-effect-free',
  setup(b) {
    b.onResolve({ filter: /^@cws\/shared(\/|$)|^yaml$|^\.\.?\// }, async (args) => {
      if (args.pluginData?.again) return undefined;
      const r = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { again: true },
      });
      if (r.errors.length > 0) return r;
      return /\/shared\/dist\/|\/node_modules\/(\.pnpm\/yaml@[^/]+\/node_modules\/)?yaml\//.test(r.path)
        ? { ...r, sideEffects: false }
        : r;
    });
  },
};

const options = {
  outdir: `${here}dist/bundle`,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // oclif looks for typescript only to run a linked plugin's .ts sources, which cws never has.
  external: ['@aws-sdk/*', '@smithy/*', 'typescript'],
  // Some bundled CommonJS dependencies call require(): give the ESM bundle one.
  banner: {
    js: "import { createRequire as __cwsCreateRequire } from 'node:module'; const require = __cwsCreateRequire(import.meta.url);",
  },
  minify: process.env.CWS_BUNDLE_MINIFY !== '0',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [sideEffectFree],
};
// Two builds: chunks shared between the oclif commands and the lean path would group modules by what either needs,
// and the lean path would load the oclif commands' share of @cws/shared. The lean path is one file (its dynamic
// imports are inlined and run only when reached): one module to load instead of a dozen small chunks.
const [result, lean] = await Promise.all([
  build({ ...options, entryPoints: { commands: `${here}dist/bundle-entry.js` }, chunkNames: 'chunks/[name]-[hash]' }),
  build({
    ...options,
    entryPoints: { lean: `${here}dist/lean/entry.js` },
    splitting: false,
    // CommonJS, loaded by require() from bin/run.cjs: no ES module loader to start (~20 of Node's own modules), and
    // Node 20 can keep V8's code cache of it (bin/compile-cache.cjs), which it cannot for an ES module.
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
    banner: { js: "const __cwsImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__cwsImportMetaUrl' },
    // import() of what stays outside (the AWS SDK) as require(): resolved from the bundle's folder by Node's loader.
    supported: { 'dynamic-import': false },
  }),
]);
if (process.env.CWS_BUNDLE_METAFILE === '1') {
  writeFileSync(`${here}dist/bundle/meta.json`, JSON.stringify(result.metafile));
  writeFileSync(`${here}dist/bundle/lean-meta.json`, JSON.stringify(lean.metafile));
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

// The flags and arguments of the commands the lean path runs, from the oclif commands themselves (src/lean/specs.ts).
const { COMMANDS } = await import(`${here}dist/commands/index.js`);
const { LEAN_COMMANDS, leanSpecOf } = await import(`${here}dist/lean/specs.js`);
const specs = {};
for (const id of LEAN_COMMANDS) {
  try {
    specs[id] = await leanSpecOf(id, COMMANDS[id]);
  } catch (err) {
    console.error(`cws bundle: ${err.message}`);
    process.exit(1);
  }
}
writeFileSync(`${here}dist/bundle/lean-commands.json`, `${JSON.stringify(specs)}\n`);

// Built-in templates as data: each file's text (a file edited since is parsed again) and what the YAML parser makes
// of it, checked by the same rules as at run time (a broken built-in template fails the build).
const { checkTemplate } = await import('@cws/shared');
const { parseDocument } = await import('yaml');
const templates = {};
for (const name of readdirSync(`${here}templates`)
  .filter((n) => /\.ya?ml$/.test(n))
  .sort()) {
  const text = readFileSync(`${here}templates/${name}`, 'utf8');
  const checked = checkTemplate(text, name);
  if (!checked.ok) {
    console.error(`cws bundle: templates/${name} is not a valid template: ${JSON.stringify(checked.issues)}`);
    process.exit(1);
  }
  // As checkTemplate reads it.
  const data = parseDocument(text, { prettyErrors: false, uniqueKeys: true }).toJS({ maxAliasCount: 50 });
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(data)), data)) {
    console.error(`cws bundle: templates/${name} holds values JSON cannot keep`);
    process.exit(1);
  }
  templates[name] = { text, data };
}
writeFileSync(`${here}dist/bundle/builtin-templates.json`, `${JSON.stringify(templates)}\n`);
