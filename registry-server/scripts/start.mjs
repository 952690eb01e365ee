#!/usr/bin/env node
// `pnpm start`: build what the server needs (shared, migrations, registry-server; not the CLI, the tests or the
// AWS emulator), incrementally (tsc -b keeps a .tsbuildinfo per package, so a second start only checks dates),
// say so, then run `cws-registry serve` in this process. Arguments after `pnpm start --` go to cws-registry.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const say = (line) => process.stdout.write(`${line}\n`);

const started = performance.now();
say(
  'Building the registry server (shared, migrations, registry-server) with tsc -b: only what changed since the last build ...',
);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const build = spawnSync(process.execPath, [tsc, '-b', 'registry-server'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  say(`Build failed${build.error ? `: ${build.error.message}` : ''}; the server was not started.`);
  process.exit(build.status ?? 1);
}
say(`Built in ${((performance.now() - started) / 1000).toFixed(1)} s. Starting cws-registry ...`);

const args = process.argv.slice(2).filter((a) => a !== '--');
process.argv = [
  process.argv[0],
  fileURLToPath(new URL('../bin/cws-registry.js', import.meta.url)),
  ...(args.length ? args : ['serve']),
];
await import('../dist/main.js');
