#!/usr/bin/env node
// `cws --version` is answered without loading oclif (about 200 ms of module loading on Node 20); the text is
// exactly oclif's (config.userAgent), so scripts see no difference.
const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  const { readFileSync } = await import('node:fs');
  const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pjson.name}/${pjson.version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  // undici parses HTTP with llhttp compiled to WebAssembly; V8 keeps optimising that module on background threads
  // and Node waits for them at exit, ~200 ms after a one-request command has finished. The baseline compiler alone
  // is plenty for a handful of small responses.
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString('--liftoff-only');
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}
