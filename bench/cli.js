// `pnpm bench:cli`: wall time of the `cws` client against a registry on loopback, next to
// `node -e 0` measured in the same run (alternating, so drift hits all three alike).
//   BENCH_CLI_RUNS=15   runs of each command (median reported)
// Targets: `cws ami resolve --json` <= 2x `node -e 0`; `cws --version` <= 1.3x.
// cws keeps V8's compiled code of its lean bundle in its cache folder (cli/bin/compile-cache.cjs): the check run before
// the timed ones makes it, as a user's first resolve would; a fourth row, without target, runs the same resolve with
// an empty cache folder each time (the first run after installing or upgrading).
// NODE_EXTRA_CA_CERTS is passed on when set (as a user's shell would): Node then reads the bundle of extra CA
// certificates at every start (~30 ms here), `node -e 0` as much as `cws`; `env -u NODE_EXTRA_CA_CERTS` measures
// without it. The table says which.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const runs = Number(process.env.BENCH_CLI_RUNS ?? 15);
const dir = mkdtempSync(join(tmpdir(), 'cws-bench-cli-'));
const log = (m) => process.stderr.write(`${m}\n`);
// CPU time (user + system) of the children this process has waited for, in ms (Linux: /proc/self/stat
// cutime + cstime, in clock ticks of 10 ms). Wall time on a busy machine mostly measures the other
// processes; the mean CPU time per run does not, so both are printed.
const childCpuMs = () => {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return Number.NaN;
  }
};

// A registry with the demo catalogue (embedded PGlite in a throwaway folder).
const port = 20000 + Math.floor(Math.random() * 20000);
const registry = spawn(process.execPath, [join(root, 'registry-server/dist/main.js'), 'serve'], {
  env: {
    PATH: process.env.PATH,
    HOME: dir,
    PORT: String(port),
    HOST: '127.0.0.1',
    CWS_REGISTRY_DATA: join(dir, 'registry'),
    CWS_REGISTRY_DEMO: 'true',
    CWS_REGISTRY_AWS: 'false',
    CWS_REGISTRY_LOG_LEVEL: 'warn',
    CWS_REGISTRY_RATE_LIMIT_READ: '0',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const url = `http://127.0.0.1:${port}`;
try {
  for (let waited = 0; ; waited += 100) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    // The demo registry starts in a few seconds on an idle machine, in over a minute on a loaded one.
    if (waited > 300_000) throw new Error('registry did not start in 5 minutes');
    await new Promise((r) => setTimeout(r, 100));
  }
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    CWS_CONFIG: join(dir, 'config.json'),
    CWS_CACHE_DIR: join(dir, 'cache'),
    AWS_CONFIG_FILE: join(dir, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    NO_COLOR: '1',
    ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}),
  };
  const cws = [process.execPath, join(root, 'cli/bin/run.cjs')];
  const setup = spawnSync(cws[0], [cws[1], 'registry', 'add', 'bench', url, '--priority', '1'], { env });
  if (setup.status !== 0) throw new Error(`cws registry add failed: ${setup.stderr}`);
  let fresh = 0;
  const commands = [
    { id: 'node -e 0', argv: [process.execPath, '-e', '0'] },
    { id: 'cws --version', argv: [...cws, '--version'] },
    {
      id: 'cws ami resolve --json',
      argv: [...cws, 'ami', 'resolve', 'python-ml', '--region', 'us-east-1', '--json'],
    },
    {
      id: 'resolve, no code cache',
      argv: [...cws, 'ami', 'resolve', 'python-ml', '--region', 'us-east-1', '--json'],
      env: () => ({ ...env, CWS_CACHE_DIR: join(dir, `cache-fresh-${fresh++}`) }),
    },
  ];
  const check = spawnSync(commands[2].argv[0], commands[2].argv.slice(1), { env, encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`resolve failed (${check.status}): ${check.stderr}${check.stdout}`);
  log(`resolve answers: ${JSON.parse(check.stdout).resolution_method ?? '?'} ${JSON.parse(check.stdout).ami_id}`);
  const times = Object.fromEntries(commands.map((c) => [c.id, []]));
  const cpu = Object.fromEntries(commands.map((c) => [c.id, 0]));
  const loadBefore = (await import('node:os')).loadavg()[0];
  for (let n = 0; n < runs; n++) {
    for (const c of commands) {
      const t0 = performance.now();
      const c0 = childCpuMs();
      const r = spawnSync(c.argv[0], c.argv.slice(1), { env: c.env ? c.env() : env });
      times[c.id].push(performance.now() - t0);
      cpu[c.id] += childCpuMs() - c0;
      if (r.status !== 0) throw new Error(`${c.id} exited ${r.status}: ${r.stderr}`);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const min = (xs) => Math.min(...xs);
  const base = median(times['node -e 0']);
  const baseCpu = cpu['node -e 0'] / runs;
  const targets = { 'cws --version': 1.3, 'cws ami resolve --json': 2 };
  const [load] = (await import('node:os')).loadavg();
  console.log(
    `\ncws CLI start-up, ${runs} runs each (alternating), Node ${process.version}, load average ${loadBefore.toFixed(1)} ` +
      `before / ${load.toFixed(1)} after, ` +
      `NODE_EXTRA_CA_CERTS ${env.NODE_EXTRA_CA_CERTS ? 'set (every node start reads it)' : 'unset'}`,
  );
  console.log(
    'command                   median ms   min ms   vs node -e 0   target   result   CPU ms/run   CPU vs node -e 0',
  );
  for (const c of commands) {
    const m = median(times[c.id]);
    const ratio = m / base;
    const target = targets[c.id];
    const cpuMs = cpu[c.id] / runs;
    console.log(
      `${c.id.padEnd(24)} ${m.toFixed(0).padStart(10)} ${min(times[c.id]).toFixed(0).padStart(8)} ${`${ratio.toFixed(2)}x`.padStart(14)}` +
        `   ${target ? `<= ${target}x`.padEnd(6) : ''.padEnd(6)}   ${(target ? (ratio <= target ? 'MET' : 'MISSED') : '').padEnd(6)}` +
        ` ${cpuMs.toFixed(0).padStart(12)} ${`${(cpuMs / baseCpu).toFixed(2)}x`.padStart(18)}`,
    );
  }
} finally {
  registry.kill('SIGTERM');
  await new Promise((r) => registry.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
