// A/B of server CPU per request: bare Express and one or more registry builds, all running at
// once, measured in alternating rounds, so a shared machine's drift hits every side alike.
//
//   node bench/ab.js NAME=TREE[,DATA] [NAME=TREE[,DATA] ...]
//     TREE  a built checkout (its bench/server.js and registry-server/dist are run)
//     DATA  a PGlite data folder of its own (a copy of bench/.data/pglite-...); or a postgres:// URL of
//           a database of its own (builds whose migrations differ); omit it with DATABASE_URL set
//           (PostgreSQL: a database each side may share, reads only)
//   AB_ROUNDS=7 AB_SECONDS=3 AB_CONNECTIONS=10 AB_PATHS=/a,/b
//   AB_RATE=50 AB_CATALOGUE=<pgdata folder, or a PostgreSQL URL>: rating writes at that rate (2 connections)
//     alongside each registry side's measured seconds (and its warm-up), as resolve-warm-rating does; the
//     listings and tokens come from the catalogue (bench/catalogue.js readInputs; AB_QUICK=1 for the 2k one).
//     The CPU per request is then the process's CPU over the AB_PATHS answers, the ratings' included.
//
// Per round and side: autocannon for AB_SECONDS, the server's utime+stime from /proc (its
// PGlite worker thread included) over the responses it served. Prints per side the median
// microseconds of CPU per request and req/s, and each registry's median of per-round ratios to
// bare Express (CPU: bare/side; req/s: side/bare), the statistic to trust on a shared machine.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDatabase } from '../registry-server/dist/index.js';
import { readInputs } from './catalogue.js';
import { SIZES } from './generate.js';
import { cannon, preflight, settle, startServer } from './load.js';

const env = process.env;
const rounds = Number(env.AB_ROUNDS ?? 7);
const seconds = Number(env.AB_SECONDS ?? 3);
const connections = Number(env.AB_CONNECTIONS ?? 10);
const paths = (env.AB_PATHS ?? '').split(',').filter(Boolean);
if (paths.length === 0 || process.argv.length < 3) {
  process.stderr.write('usage: AB_PATHS=/api/v1/resolve/...,... node bench/ab.js NAME=TREE[,DATA] ...\n');
  process.exit(2);
}
const requests = paths.map((path) => ({ method: 'GET', path }));
const rate = Number(env.AB_RATE ?? 0);
const ratings = rate > 0 ? await ratingRequests() : null;

/** PUT rating requests over the catalogue's (listing, token) pairs, with a seeded choice. */
async function ratingRequests() {
  const where = env.AB_CATALOGUE;
  if (!where) throw new Error('AB_RATE needs AB_CATALOGUE (a pgdata folder or a PostgreSQL URL)');
  const database = await createDatabase(
    where.startsWith('postgres') ? { kind: 'postgres', url: where, poolMax: 1 } : { kind: 'pglite', dataDir: where },
  );
  const size = env.AB_QUICK === '1' ? SIZES.quick : SIZES.full;
  const pairs = (await readInputs(database, size).finally(() => database.close())).ratings;
  let seed = 42;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return [
    {
      method: 'PUT',
      setupRequest: (req) => {
        const { path, token } = pairs[Math.floor(random() * pairs.length)];
        return {
          ...req,
          path,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ rating: 1 + Math.floor(random() * 5) }),
        };
      },
    },
  ];
}
const log = (m) => process.stderr.write(`${m}\n`);

const statTicks = (file) => {
  const stat = readFileSync(file, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
};
/** The whole process (every thread), and its main thread (the event loop) alone. */
const ticks = (pid) => ({ all: statTicks(`/proc/${pid}/stat`), main: statTicks(`/proc/${pid}/task/${pid}/stat`) });

function childEnv(data) {
  const base = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('CWS_REGISTRY_')));
  return {
    ...base,
    PORT: '0',
    HOST: '127.0.0.1',
    CWS_REGISTRY_RATE_LIMIT_READ: env.AB_RATE_LIMIT ?? '0',
    CWS_REGISTRY_RATE_LIMIT_WRITE: env.AB_RATE_LIMIT ?? '0',
    CWS_REGISTRY_LOG_LEVEL: 'warn',
    CWS_REGISTRY_DEMO: 'false',
    CWS_REGISTRY_AWS: 'false',
    CWS_REGISTRY_VERIFY_INTERVAL: '0',
    CWS_REGISTRY_CACHE_TTL: env.AB_CACHE_TTL ?? '60',
    ...(data ? (/^postgres(ql)?:\/\//.test(data) ? { DATABASE_URL: data } : { CWS_REGISTRY_DATA: data }) : {}),
    ...(env.REDIS_URL ? { CWS_REGISTRY_REDIS_PREFIX: `cws-ab-${process.pid}:` } : {}),
  };
}

const sides = [];
const bare = await startServer('bare', { ...env });
sides.push({ name: 'bare', server: bare, cpu: [], main: [], rps: [] });
try {
  for (const arg of process.argv.slice(2)) {
    const [name, spec] = arg.split('=');
    const [tree, data] = spec.split(',');
    const { startServer: start } = await import(join(tree, 'bench/load.js'));
    const server = await start('registry', childEnv(data));
    await settle(server.pid);
    await preflight(server.url, requests);
    sides.push({ name, server, cpu: [], main: [], rps: [] });
  }
  for (let round = 0; round < rounds; round++) {
    // Rotate who goes first: a disturbance at a fixed point of the round lands on each in turn.
    const order = sides.map((_, i) => sides[(i + round) % sides.length]);
    for (const side of order) {
      const common = { url: side.server.url, connections, requests, timeout: 10 };
      const background =
        ratings && side.name !== 'bare'
          ? cannon({
              url: side.server.url,
              connections: 2,
              overallRate: rate,
              requests: ratings,
              timeout: 10,
              duration: seconds + 1.5,
            })
          : null;
      await cannon({ ...common, duration: 1 });
      const t0 = ticks(side.server.pid);
      const result = await cannon({ ...common, duration: seconds });
      const t1 = ticks(side.server.pid);
      const writes = background ? await background : null;
      if (writes && (writes.non2xx > 0 || writes.errors > 0)) log(`  ${side.name}: ${writes.non2xx} non-2xx ratings`);
      if (writes) side.writes = [...(side.writes ?? []), writes.rps];
      side.cpu.push(((t1.all - t0.all) * 10_000) / result.responses); // 1 tick = 10 ms = 10,000 us
      side.main.push(((t1.main - t0.main) * 10_000) / result.responses);
      side.rps.push(result.rps);
    }
    log(
      `round ${round + 1}: ${sides.map((s) => `${s.name} ${s.cpu.at(-1).toFixed(0)} us ${s.rps.at(-1).toFixed(0)}/s`).join(', ')}`,
    );
  }
} finally {
  for (const s of sides) await s.server.stop();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const [b] = sides;
for (const s of sides) {
  const cpuRatio = median(s.cpu.map((c, i) => b.cpu[i] / c));
  const rpsRatio = median(s.rps.map((r, i) => r / b.rps[i]));
  process.stdout.write(
    `${s.name.padEnd(10)} cpu/request median ${median(s.cpu).toFixed(0)} us (main thread ${median(s.main).toFixed(0)})  req/s median ${median(s.rps).toFixed(0)}` +
      `  vs bare: cpu ${cpuRatio.toFixed(3)}x  req/s ${rpsRatio.toFixed(3)}x` +
      (s.writes ? `  ratings ${median(s.writes).toFixed(1)}/s` : '') +
      '\n',
  );
}
