// `pnpm bench`: generates (or reuses) a catalogue of 100,000 listings and 1,000,000 ratings,
// then measures four registry scenarios with autocannon, each against a fresh server child
// process, and bare Express (a child of its own) right before each of them. See bench/README.md.
//
//   BENCH_SECONDS=10     measured seconds per scenario (after BENCH_WARMUP=2 s of warm-up)
//   BENCH_CONNECTIONS=10 concurrent connections; BENCH_TIMEOUT=10 seconds before a request counts as timed out
//   BENCH_QUICK=1        2,000 listings and 3 s per scenario: checks the script itself
//   BENCH_ONLY=a,b       only these scenarios (bare-express is always run: it is the baseline)
//   BENCH_PROFILE=1      CPU-profile each server during its measured seconds; print the hottest functions
//   BENCH_WAIT_IDLE=1    before each scenario, wait (up to 10 min) until other processes use < 20% CPU,
//                        and repeat (up to 3 times) a measurement they disturbed
//   BENCH_RATE_LIMITS=default  read and write limits on, as a registry runs by default, at 10,000,000 a
//                        minute so nothing is refused: every request pays for its limiter call
//   DATABASE_URL=...     PostgreSQL server instead of embedded PGlite (database cws_bench, or BENCH_PG_DATABASE)
//   REDIS_URL=...        Redis for the registry's cache tier
//   node bench/run.js --prepare   only generate (or check) the catalogue
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { prepareCatalogue } from './catalogue.js';
import { cannon, cpuBusy, cpuMeter, preflight, settle, startServer, waitForQuiet } from './load.js';
import { summarizeProfile } from './profile-top.js';
import { printReport, printSizeRatio, sizeRatio } from './report.js';

const here = new URL('.', import.meta.url).pathname;
const env = process.env;
const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
const seconds = Number(env.BENCH_SECONDS ?? (quick ? 3 : 10));
const warmup = Number(env.BENCH_WARMUP ?? (quick ? 1 : 2));
const connections = Number(env.BENCH_CONNECTIONS ?? 10);
const timeout = Number(env.BENCH_TIMEOUT ?? 10);
const only = env.BENCH_ONLY ? env.BENCH_ONLY.split(',').map((s) => s.trim()) : null;
const profile = env.BENCH_PROFILE === '1';
const waitIdle = env.BENCH_WAIT_IDLE === '1';
const rateLimits = env.BENCH_RATE_LIMITS === 'default' ? 'on' : 'off';
const LIMIT = rateLimits === 'on' ? '10000000' : '0';
const databaseUrl = env.DATABASE_URL || undefined;
const redisUrl = env.REDIS_URL || undefined;
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const resultsDir = join(here, 'results');
const log = (m) => process.stderr.write(`${m}\n`);

const catalogue = await prepareCatalogue({
  quick,
  databaseUrl,
  databaseName: env.BENCH_PG_DATABASE,
  dataRoot: join(here, '.data'),
  log,
});
const { inputs } = catalogue;
if (process.argv.includes('--prepare')) {
  await catalogue.cleanup();
  process.exit(0);
}

// The registry as an operator would run it, minus rate limits (BENCH_RATE_LIMITS=default: on, never refusing) and with quiet logs.
const SERVER_SETTINGS = {
  PORT: '0',
  HOST: '127.0.0.1',
  CWS_REGISTRY_RATE_LIMIT_READ: LIMIT,
  CWS_REGISTRY_RATE_LIMIT_WRITE: LIMIT,
  CWS_REGISTRY_LOG_LEVEL: 'warn',
  CWS_REGISTRY_DEMO: 'false',
  // No background EC2 verification: the bench measures request handling, not AWS.
  CWS_REGISTRY_AWS: 'false',
  CWS_REGISTRY_VERIFY_INTERVAL: '0',
};
function childEnv(cacheTtl) {
  const base = Object.fromEntries(
    Object.entries(env).filter(
      ([k]) => !k.startsWith('CWS_REGISTRY_') && !['DATABASE_URL', 'REDIS_URL', 'PORT', 'HOST'].includes(k),
    ),
  );
  return {
    ...base,
    ...SERVER_SETTINGS,
    ...catalogue.env,
    CWS_REGISTRY_CACHE_TTL: String(cacheTtl),
    ...(redisUrl ? { REDIS_URL: redisUrl, CWS_REGISTRY_REDIS_PREFIX: 'cws-bench:' } : {}),
  };
}

// A small deterministic generator, so two runs send the same rating writes.
let seed = 42;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const any = (list) => list[Math.floor(random() * list.length)];

const SEARCH_TARGET = { kind: 'ratio', min: 0.3, text: '>= 0.3x bare' };
function ratingRequests() {
  return [
    {
      method: 'PUT',
      setupRequest: (req) => {
        // A listing and a user who may rate it (bench/catalogue.js: never its owner or a publisher).
        const { path, token } = any(inputs.ratings);
        const stars = 1 + Math.floor(random() * 5);
        return {
          ...req,
          path,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(random() < 0.2 ? { rating: stars, review: 'benchmark review' } : { rating: stars }),
        };
      },
    },
  ];
}

const resolvePaths = inputs.resolve.map(
  (r) => `/api/v1/resolve/${r.template}?region=${r.region}&architecture=${r.architecture}`,
);
const scenarios = [
  {
    id: 'bare-express',
    label: 'bare Express 5 GET /hello',
    server: 'bare',
    requests: [{ method: 'GET', path: '/hello' }],
  },
  {
    id: 'resolve-warm',
    label: 'resolve, cache warm',
    server: 'registry',
    cacheTtl: 60,
    requests: resolvePaths.map((path) => ({ method: 'GET', path })),
    target: { kind: 'ratio', min: 0.9, text: '>= 0.9x bare' },
  },
  {
    id: 'resolve-cold',
    label: 'resolve, cache off',
    server: 'registry',
    cacheTtl: 0,
    requests: resolvePaths.map((path) => ({ method: 'GET', path })),
    target: { kind: 'ratio', min: 0.45, text: '>= 0.45x bare' },
  },
  {
    // One trivial statement per request: /readyz runs `SELECT 1` on the same server and database,
    // through Express but without the API's middleware. No target: it shows what the database's
    // round trip alone costs next to a cold resolve (which answers in front of Express).
    id: 'db-floor',
    label: 'GET /readyz (one SELECT 1 per request)',
    server: 'registry',
    cacheTtl: 0,
    requests: [{ method: 'GET', path: '/readyz' }],
  },
  // Cold resolve under each policy, rotating over triples it has an answer for (catalogue.js).
  ...inputs.policies
    .filter((p) => p.inputs.length > 0)
    .map((p) => ({
      id: `resolve-cold-${p.id}`,
      label: `resolve, cache off, ${p.query || 'architecture=arm64'}`,
      server: 'registry',
      cacheTtl: 0,
      requests: p.inputs.map((r) => ({
        method: 'GET',
        path: `/api/v1/resolve/${r.template}?region=${r.region}&architecture=${r.architecture}${p.query ? `&${p.query}` : ''}`,
      })),
      target: { kind: 'ratio', min: 0.45, text: '>= 0.45x bare' },
    })),
  {
    id: 'search',
    label: 'search ?q=, cache off',
    server: 'registry',
    cacheTtl: 0,
    requests: inputs.search.map(({ q }) => ({ method: 'GET', path: `/api/v1/listings?q=${encodeURIComponent(q)}` })),
    target: SEARCH_TARGET,
  },
  // One kind of query each, cache off: a word in 40% of listings, one in 1%, a typo, two words,
  // a non-Latin word, and a common word with filters.
  ...[
    ['search-common', 'python'],
    ['search-rare', 'maven'],
    ['search-typo', 'pyhton'],
    ['search-two-words', 'python jupyter'],
    ['search-non-latin', 'データ'],
    ['search-filtered', 'python', '&architecture=arm64&min_rating=3&sort=relevance'],
  ].map(([id, q, extra = '']) => ({
    id,
    label: `search q=${q}${extra}`,
    server: 'registry',
    cacheTtl: 0,
    requests: [{ method: 'GET', path: `/api/v1/listings?q=${encodeURIComponent(q)}${extra}` }],
    target: SEARCH_TARGET,
  })),
  {
    // Browsing without words: a filter and another order (search-page.ts withCards).
    id: 'search-browse',
    label: 'search template=python-ml&sort=rating (no q)',
    server: 'registry',
    cacheTtl: 0,
    requests: [{ method: 'GET', path: '/api/v1/listings?template=python-ml&sort=rating' }],
    target: SEARCH_TARGET,
  },
  {
    // Warm resolve while ratings arrive at 50/s: a rating must not empty the resolve cache.
    id: 'resolve-warm-rating',
    label: 'resolve, cache warm, 50 ratings/s alongside',
    server: 'registry',
    cacheTtl: 60,
    requests: resolvePaths.map((path) => ({ method: 'GET', path })),
    background: { rate: 50, requests: ratingRequests() },
    target: { kind: 'ratio', min: 0.8, text: '>= 0.8x bare' },
  },
  {
    // Last: it writes (ratings, audit rows) and every write empties the cache.
    id: 'rate',
    label: 'rating writes (PUT)',
    server: 'registry',
    cacheTtl: 60,
    requests: ratingRequests(),
    target: { kind: 'ratio', min: databaseUrl ? 0.3 : 0.15, text: `>= ${databaseUrl ? 0.3 : 0.15}x bare` },
  },
].filter((s) => !only || s.id === 'bare-express' || only.includes(s.id));

log(
  `\ncatalogue: ${Object.entries(inputs.counts)
    .map(([t, n]) => `${t} ${n.toLocaleString('en')}`)
    .join(', ')}`,
);
log(
  `resolve policies (inputs, of which answered otherwise than without the policy): ${inputs.policies
    .map((p) => `${p.id} ${p.inputs.length}/${p.differ}`)
    .join(', ')}`,
);
log(
  `search words (listings matched): ${inputs.search.map((s) => `${s.q} ${s.typo ? '(typo)' : s.matches}`).join(', ')}`,
);
log(
  `settings: ${connections} connections, ${warmup} s warm-up + ${seconds} s per scenario, one server child per scenario,` +
    ' bare Express measured before each and after the last (ratios: mean of the two around each);' +
    ` rate limits ${rateLimits === 'on' ? 'ON (CWS_REGISTRY_RATE_LIMIT_READ=_WRITE=10000000: spent, never refused)' : 'OFF (CWS_REGISTRY_RATE_LIMIT_READ=0, _WRITE=0)'}, log level warn${profile ? ', CPU profiler on during measurement' : ''}\n`,
);

const profileDir = join(resultsDir, `${stamp}-profiles`);

/**
 * Measures one scenario against a running server: warm-up, then the measured run. With
 * BENCH_WAIT_IDLE a run other processes disturbed (>= 0.2 cores) is repeated, up to 3 times;
 * the least disturbed one counts.
 */
async function measure(server, s, profileAs) {
  const common = { url: server.url, connections, requests: s.requests, timeout };
  let best = null;
  for (let attempt = 1; attempt <= (waitIdle ? 3 : 1); attempt++) {
    const busy = waitIdle ? await waitForQuiet(0.2, 600, log) : await cpuBusy();
    // Background traffic (rating writes at a fixed rate) through warm-up and measurement.
    const background = s.background
      ? cannon({
          url: server.url,
          connections: 2,
          overallRate: s.background.rate,
          requests: s.background.requests,
          timeout,
          duration: warmup + seconds + 1,
        })
      : null;
    if (warmup > 0) await cannon({ ...common, duration: warmup });
    log(`${s.id}: measuring ${seconds} s against ${server.url} ...`);
    if (profileAs) await server.profileStart();
    const meter = cpuMeter(server.pid);
    const result = await cannon({ ...common, duration: seconds });
    const cpu = meter.stop();
    if (background) {
      result.background = await background;
      log(
        `  background: ${result.background.rps.toFixed(1)} writes/s, p50 ${result.background.latencyMs.p50.toFixed(1)} ms`,
      );
    }
    if (profileAs) {
      mkdirSync(profileDir, { recursive: true });
      await server.profileStop(join(profileDir, `${profileAs}.cpuprofile`));
    }
    if (!best || (cpu?.other ?? 0) < (best.cpu?.other ?? 0)) best = { busyBefore: busy, cpu, result, attempt };
    if ((cpu?.other ?? 0) < 0.2) break;
    if (waitIdle && attempt < 3) log(`  ${s.id}: disturbed (other processes used ${cpu.other} cores): again`);
  }
  return best;
}

/** A server child that has finished its start-up work and answers every request of s with 2xx. */
async function ready(s) {
  const server = await startServer(s.server, childEnv(s.cacheTtl ?? 0));
  try {
    // Start-up work runs after listen (migrations, the verification sweep): measure the
    // steady state, not that.
    server.settleSeconds = await settle(server.pid);
    await preflight(server.url, s.requests);
    return server;
  } catch (err) {
    await server.stop();
    throw err;
  }
}

// The machine's speed drifts (other tenants of the host): bare Express is measured right
// before each registry scenario and once more after the last, and each ratio uses the mean of
// the two baselines around its scenario (one disturbed bare run no longer makes or breaks a ratio).
const bareSpec = scenarios.find((s) => s.id === 'bare-express');
const registryScenarios = scenarios.filter((s) => s.server === 'registry');
const bareServer = await ready(bareSpec);
const baselines = [];
const results = [];
try {
  for (const s of [...registryScenarios, null]) {
    const base = await measure(bareServer, bareSpec, profile && baselines.length === 0 ? bareSpec.id : null);
    baselines.push({ ...base, before: s?.id ?? null });
    if (!s) break;
    const server = await ready(s);
    try {
      const best = await measure(server, s, profile ? s.id : null);
      const requests = s.requests.map((q) => q.path ?? '(varies)');
      const memory = { atListenMb: server.startup?.rssMb ?? null, afterMb: await server.rssMb() };
      results.push({
        ...s,
        requests,
        startup: server.startup ?? null,
        memory,
        settleSeconds: server.settleSeconds,
        ...best,
      });
    } finally {
      await server.stop();
    }
  }
} finally {
  await bareServer.stop();
  // The run's copy of the catalogue (the cached original stays).
  await catalogue.cleanup();
}

// Each scenario's baseline: the bare runs right before and right after it.
results.forEach((r, i) => {
  r.baselinesAround = [baselines[i].result.rps, baselines[i + 1].result.rps];
  r.baselineRps = (r.baselinesAround[0] + r.baselinesAround[1]) / 2;
});
// The bare-express row: the median baseline; every baseline is in the JSON.
const median = [...baselines].sort((a, b) => a.result.rps - b.result.rps)[Math.floor((baselines.length - 1) / 2)];
results.unshift({
  ...bareSpec,
  requests: ['/hello'],
  ...median,
  baselineRps: median.result.rps,
  baselines: baselines.map((b) => ({ before: b.before, rps: b.result.rps, cpu: b.cpu })),
});
for (const r of results) {
  r.ratio = r.result.rps / r.baselineRps;
  const bad = r.result.non2xx + r.result.errors + r.result.timeouts;
  if (!r.target) r.pass = bad === 0 ? null : false;
  else if (r.target.kind === 'ratio') r.pass = bad === 0 && r.ratio >= r.target.min;
  else r.pass = bad === 0 && r.result.latencyMs.p99 < r.target.maxMs;
}

const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  database: catalogue.where,
  cache: redisUrl ? 'in-process LRU in front of Redis' : 'in-process LRU',
  catalogue: { key: catalogue.key, counts: inputs.counts, generation: catalogue.generation, search: inputs.search },
  settings: {
    connections,
    warmupSeconds: warmup,
    seconds,
    timeoutSeconds: timeout,
    quick,
    rateLimits,
    logLevel: 'warn',
    profile,
  },
  targets: Object.fromEntries(results.filter((r) => r.target).map((r) => [r.id, r.target.text])),
  scenarios: results,
};
mkdirSync(resultsDir, { recursive: true });
// Against the latest run of the other size (read before this run's file is written).
report.sizeRatio = sizeRatio(report, resultsDir);
const file = join(resultsDir, `${stamp}.json`);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
const broken = printReport(report);
log(`results: ${file}`);
if (profile) for (const r of results) log(summarizeProfile(join(profileDir, `${r.id}.cpuprofile`), 25));
printStartup(report);
printSizeRatio(report.sizeRatio, log);
// Missed targets are reported, not fatal; answers other than 2xx make the run invalid.
process.exitCode = broken ? 1 : 0;

/** Start-up (target: listening within 2 s of the process starting) and memory of each registry child. */
function printStartup(current) {
  const rows = current.scenarios.filter((s) => s.startup);
  if (rows.length === 0) return;
  const listen = rows.map((s) => s.startup.listeningAtMs).sort((a, b) => a - b);
  const worst = listen[listen.length - 1];
  log(
    `\nstart-up (process start to listening; target < 2 s): median ${(listen[Math.floor(listen.length / 2)] / 1000).toFixed(2)} s, ` +
      `worst ${(worst / 1000).toFixed(2)} s ${worst < 2000 ? 'MET' : 'MISSED'}; of which modules ${rows[0].startup.modulesMs} ms, ` +
      `createServer+listen ${rows.map((s) => s.startup.createAndListenMs).join('/')} ms; then busy with start-up work ` +
      `${rows.map((s) => s.settleSeconds).join('/')} s`,
  );
  log(
    `server RSS: ${rows.map((s) => `${s.id} ${s.memory.atListenMb}->${s.memory.afterMb} MB`).join(', ')} (at listen -> after the scenario)`,
  );
}
