#!/usr/bin/env node
// `cws --version` is answered without loading oclif (about 200 ms of module loading on Node 20); the text is
// exactly oclif's (config.userAgent), so scripts see no difference.
const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  const { readFileSync } = await import('node:fs');
  const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pjson.name}/${pjson.version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  // Node 22+ keeps V8's compiled code of the bundle on disk (os.tmpdir()/node-compile-cache); Node 20 has no such cache.
  const { enableCompileCache } = await import('node:module');
  enableCompileCache?.();
  // oclif is bundled with the commands (cli/scripts/bundle.mjs): one file to load instead of ~150.
  const { execute } = await import('../dist/bundle/commands.js');
  await execute({ dir: import.meta.url });
}
