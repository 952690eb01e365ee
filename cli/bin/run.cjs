#!/usr/bin/env node
// CommonJS on purpose (.cjs): Node starts a CommonJS entry a few ms sooner than an ES module, which is
// most of what `cws --version` costs. `cws --version` is answered here without loading oclif; the text is exactly
// oclif's (config.userAgent), so scripts see no difference.
const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  const pjson = require('../package.json');
  process.stdout.write(`${pjson.name}/${pjson.version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  // `cws ami resolve` runs without oclif when its argv is one the lean path parses exactly as oclif would
  // (src/lean/); everything else, and --help, goes to oclif, bundled with the commands (cli/scripts/bundle.mjs).
  // The lean bundle is CommonJS, loaded by require: no ES module loader to start, and V8's code cache of it is kept
  // in the user's cache folder (compile-cache.cjs; on Node 22+ that also turns on Node's cache for the oclif path).
  Promise.resolve()
    .then(() => require('./compile-cache.cjs').requireCached(require.resolve('../dist/bundle/lean.cjs')))
    .then(({ runLean }) => runLean(argv, require('../dist/bundle/lean-commands.json')))
    .then((done) => done || import('../dist/bundle/commands.js').then(({ execute }) => execute({ dir: __filename })))
    .catch((err) => {
      process.stderr.write(`cws could not start: ${err?.stack ?? err}\n`);
      process.exitCode = 1;
    });
}
