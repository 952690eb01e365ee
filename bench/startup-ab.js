// A/B of the registry's start-up, alternated: `node bench/startup-ab.js NAME=TREE[,DATA] ...`
//   TREE  a built checkout (its bench/server.js and registry-server/dist are started, as bench/run.js does)
//   DATA  a PGlite data folder (a copy of bench/.data/pglite-.../pgdata); sides may share one (the
//         starts are one after another); omit it with DATABASE_URL set
//   STARTS=7 (per side)
// Per start, when the child prints that it listens: its start-up figures (wall: process start to
// listening, of which modules; bench/server.js) and the CPU each of its threads had used by then
// (/proc/<pid>/task/*/stat: the main thread, PGlite's database thread, the rest), the figure to
// compare on a shared machine, where wall times stretch with the load. Medians per side.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const starts = Number(process.env.STARTS ?? 7);
const sides = process.argv.slice(2).map((arg) => {
  const [name, spec] = arg.split('=');
  const [tree, data] = spec.split(',');
  return { name, tree, data, runs: [] };
});
if (sides.length === 0) {
  process.stderr.write('usage: node bench/startup-ab.js NAME=TREE[,DATA] ...\n');
  process.exit(2);
}

/** A thread's utime+stime in ms. */
function thread(file) {
  const stat = readFileSync(file, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ms: (Number(f[11]) + Number(f[12])) * 10 };
}

function cpuOf(pid) {
  // Threads are not named apart: the busiest one besides the main thread is PGlite's (on
  // PostgreSQL there is none: then it is the busiest helper).
  const out = { main: 0, pglite: 0, other: 0 };
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const t = thread(`/proc/${pid}/task/${task}/stat`);
    if (Number(task) === pid) out.main += t.ms;
    else if (t.ms > out.pglite) {
      out.other += out.pglite;
      out.pglite = t.ms;
    } else out.other += t.ms;
  }
  return out;
}

function childEnv(data) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CWS_REGISTRY_')));
  return {
    ...base,
    PORT: '0',
    HOST: '127.0.0.1',
    CWS_REGISTRY_RATE_LIMIT_READ: '0',
    CWS_REGISTRY_RATE_LIMIT_WRITE: '0',
    CWS_REGISTRY_LOG_LEVEL: 'warn',
    CWS_REGISTRY_DEMO: 'false',
    CWS_REGISTRY_AWS: 'false',
    CWS_REGISTRY_VERIFY_INTERVAL: '0',
    ...(data ? { CWS_REGISTRY_DATA: data } : {}),
  };
}

for (let i = 0; i < starts; i++) {
  const order = sides.map((_, k) => sides[(k + i) % sides.length]);
  for (const side of order) {
    const { startServer } = await import(join(side.tree, 'bench/load.js'));
    const server = await startServer('registry', childEnv(side.data));
    const cpu = cpuOf(server.pid);
    side.runs.push({ ...server.startup, cpu });
    await server.stop();
  }
  process.stderr.write(
    `start ${i + 1}: ${sides
      .map((s) => {
        const r = s.runs.at(-1);
        return `${s.name} ${r.listeningAtMs} ms (modules ${r.modulesMs}), cpu main ${r.cpu.main} pglite ${r.cpu.pglite} other ${r.cpu.other} ms`;
      })
      .join('; ')}\n`,
  );
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
for (const s of sides) {
  const m = (f) => median(s.runs.map(f));
  process.stdout.write(
    `${s.name.padEnd(10)} listening ${m((r) => r.listeningAtMs)} ms (modules ${m((r) => r.modulesMs)}, createServer+listen ${m((r) => r.createAndListenMs)})` +
      `  cpu by then: main thread ${m((r) => r.cpu.main)} ms, PGlite thread ${m((r) => r.cpu.pglite)} ms, other threads ${m((r) => r.cpu.other)} ms\n`,
  );
}
