// The two halves of a scenario run: a server child process, and autocannon against it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';

const SERVER_JS = new URL('./server.js', import.meta.url).pathname;

/**
 * Starts `node bench/server.js <mode>` and resolves once it prints its URL.
 * @param {'bare' | 'registry'} mode
 * @param {Record<string, string>} env
 * @param {string[]} nodeFlags  e.g. --cpu-prof flags
 */
export async function startServer(mode, env, nodeFlags = []) {
  const child = spawn(process.execPath, [...nodeFlags, SERVER_JS, mode], {
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const ask = (message, answer) =>
    new Promise((resolve) => {
      const on = (m) => {
        if (m !== answer) return;
        child.off('message', on);
        resolve();
      };
      child.on('message', on);
      child.send(message);
    });
  const stderr = [];
  child.stderr.on('data', (chunk) => {
    stderr.push(chunk);
    process.stderr.write(`  [${mode}] ${chunk}`);
  });
  const lines = createInterface({ input: child.stdout });
  const started = new Promise((resolve, reject) => {
    // The server's own log lines (pino writes JSON to stdout) may come first: pass them on.
    let listening = false;
    lines.on('line', (line) => {
      if (!listening && line.startsWith('{"url":')) {
        listening = true;
        resolve(JSON.parse(line));
      } else process.stderr.write(`  [${mode}] ${line}\n`);
    });
    child.once('exit', (code) =>
      reject(new Error(`server (${mode}) exited with ${code} before listening:\n${Buffer.concat(stderr)}`)),
    );
  });
  const info = await started;
  return {
    ...info,
    pid: child.pid,
    /** Starts the child's CPU profiler (inspector session). */
    profileStart: () => ask('profile:start', 'profile:started'),
    /** Stops it and writes a .cpuprofile. */
    profileStop: (file) => ask(`profile:stop ${file}`, 'profile:stopped'),
    /** The child's resident memory now, in MB. */
    rssMb: () =>
      new Promise((resolve) => {
        const on = (m) => {
          if (typeof m !== 'string' || !m.startsWith('rss:')) return;
          child.off('message', on);
          resolve(Math.round(Number(m.slice(4)) / 1048576));
        };
        child.on('message', on);
        child.send('rss');
      }),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await once(child, 'exit');
      clearTimeout(timer);
    },
  };
}

/**
 * One autocannon run. Latencies are taken from each response (float milliseconds) rather than
 * autocannon's integer-millisecond histogram, so sub-millisecond medians stay readable.
 * @param {import('autocannon').Options} options
 */
export function cannon(options) {
  return new Promise((resolve, reject) => {
    const times = [];
    const statuses = {};
    const started = performance.now();
    const instance = autocannon({ ...options, excludeErrorStats: false }, (err, result) => {
      if (err) return reject(err);
      const seconds = (performance.now() - started) / 1000;
      resolve(summarize(result, times, statuses, seconds));
    });
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      times.push(responseTime);
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    });
  });
}

function summarize(result, times, statuses, seconds) {
  times.sort((a, b) => a - b);
  const at = (p) => (times.length === 0 ? Number.NaN : times[Math.min(times.length - 1, Math.floor(p * times.length))]);
  const responses = times.length;
  return {
    responses,
    seconds: result.duration || seconds,
    rps: responses / (result.duration || seconds),
    latencyMs: {
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
      p999: at(0.999),
      max: times[times.length - 1] ?? Number.NaN,
      mean: times.reduce((a, b) => a + b, 0) / Math.max(1, responses),
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: statuses,
  };
}

/** Sends each request once and throws unless every answer is 2xx (a scenario of 404s measures nothing). */
export async function preflight(url, requests) {
  for (const r of requests) {
    const req = r.setupRequest ? r.setupRequest({ ...r }, {}) : r;
    const res = await fetch(url + req.path, { method: req.method ?? 'GET', headers: req.headers, body: req.body });
    const text = await res.text();
    if (res.status < 200 || res.status > 299) {
      throw new Error(`preflight ${req.method ?? 'GET'} ${req.path} answered ${res.status}: ${text.slice(0, 300)}`);
    }
  }
}

/**
 * Share of all CPU time spent busy over `ms`, taken while the bench itself is idle: what other
 * processes use. A benchmark on a shared machine is only as good as this number is small.
 */
export async function cpuBusy(ms = 1000) {
  const total = (t) => t.user + t.nice + t.sys + t.irq + t.idle;
  const before = cpus().map((c) => c.times);
  await sleep(ms);
  const after = cpus().map((c) => c.times);
  let busy = 0;
  let all = 0;
  after.forEach((t, i) => {
    const b = before[i];
    all += total(t) - total(b);
    busy += total(t) - total(b) - (t.idle - b.idle);
  });
  return all > 0 ? busy / all : 0;
}

/** Waits (up to `maxSeconds`) until other processes use less than `threshold` of the CPUs. */
export async function waitForQuiet(threshold, maxSeconds, log) {
  const until = Date.now() + maxSeconds * 1000;
  let busy = await cpuBusy();
  while (busy >= threshold && Date.now() < until) {
    log(`  machine busy (${Math.round(busy * 100)}% CPU used by other processes): waiting for it to calm down ...`);
    await sleep(5000);
    busy = await cpuBusy();
  }
  return busy;
}

const TICK = 100; // USER_HZ: /proc times are in 1/100 s on Linux

function procTimes(serverPid) {
  const t = { server: 0, loadgen: 0, postgres: 0, redis: 0 };
  const backends = new Set();
  const workers = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
      const pid = Number(entry);
      if (pid === serverPid) t.server += ticks;
      else if (pid === process.pid) t.loadgen += ticks;
      else if (comm === 'postgres') {
        // Backends show their database in their title: count only the benchmark's own, and
        // the parallel workers they lead ("postgres: parallel worker for PID 123").
        const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        // The postmaster: CPU of backends that exited (parallel workers live for one query).
        if (!title.startsWith('postgres:')) t.postgres += Number(fields[13]) + Number(fields[14]);
        const leader = /parallel worker for PID ([0-9]+)/.exec(title);
        if (leader) workers.push([Number(leader[1]), ticks]);
        else if (title.includes(' cws_bench') || /: (checkpointer|background writer|walwriter)/.test(title)) {
          backends.add(pid);
          t.postgres += ticks;
        }
      } else if (comm === 'redis-server') t.redis += ticks;
    } catch {
      // the process ended meanwhile
    }
  }
  for (const [leader, ticks] of workers) if (backends.has(leader)) t.postgres += ticks;
  return t;
  // (Exited backends of other databases land in the postmaster's count too: small when the
  // machine is otherwise quiet, which the "other" column shows.)
}

/**
 * Waits until the child has finished its start-up work (migrations, background sweeps, JIT):
 * it must use under 5% of a core for two seconds in a row. Returns the seconds waited.
 */
export async function settle(pid, maxSeconds = 300) {
  const t0 = performance.now();
  const ticks = () => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  };
  try {
    let quiet = 0;
    let last = ticks();
    while (quiet < 2 && performance.now() - t0 < maxSeconds * 1000) {
      await sleep(1000);
      const now = ticks();
      quiet = now - last <= 0.05 * TICK ? quiet + 1 : 0;
      last = now;
    }
  } catch {
    await sleep(2000); // no /proc: give it two seconds
  }
  return (performance.now() - t0) / 1000;
}

function machineTicks() {
  const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const idle = v[3] + (v[4] ?? 0);
  return { busy: v.slice(0, 8).reduce((a, b) => a + b, 0) - idle };
}

/**
 * Where CPU went while a scenario ran, in cores (1.0 = one core busy the whole time): the
 * server child, this load generator, the benchmark's PostgreSQL backends, Redis, and
 * everything else on the machine ("other": a shared machine's noise). Linux only; null elsewhere.
 */
export function cpuMeter(serverPid) {
  try {
    const t0 = performance.now();
    const p0 = procTimes(serverPid);
    const m0 = machineTicks();
    return {
      stop() {
        const seconds = (performance.now() - t0) / 1000;
        const p1 = procTimes(serverPid);
        const m1 = machineTicks();
        const cores = (ticks) => Math.round((ticks / TICK / seconds) * 100) / 100;
        const out = {};
        let known = 0;
        for (const k of Object.keys(p1)) {
          out[k] = cores(p1[k] - p0[k]);
          known += p1[k] - p0[k];
        }
        out.other = Math.max(0, cores(m1.busy - m0.busy - known));
        return out;
      },
    };
  } catch {
    return { stop: () => null };
  }
}
