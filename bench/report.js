// The results table. Returns true when any scenario had non-2xx answers, errors or timeouts.
//   node bench/report.js bench/results/<stamp>.json   prints the table of an earlier run
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const fmt = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export function printReport(report) {
  const rows = report.scenarios.map((s) => {
    const r = s.result;
    const bad = r.non2xx + r.errors + r.timeouts;
    return [
      s.id,
      r.rps < 100 ? fmt(r.rps, 1) : Math.round(r.rps).toLocaleString('en'),
      fmt(r.latencyMs.p50),
      fmt(r.latencyMs.p99),
      bad === 0 ? '0' : `${r.non2xx} non-2xx, ${r.errors} err, ${r.timeouts} t/o`,
      s.id === 'bare-express' ? '1.00x' : `${fmt(s.ratio, s.ratio < 0.1 ? 4 : 2)}x`,
      s.target?.text ?? '',
      s.pass === true ? 'MET' : s.pass === false ? (bad > 0 ? 'INVALID' : 'MISSED') : bad > 0 ? 'INVALID' : '',
      s.cpu ? `${fmt(s.cpu.server)}` : '-',
      s.cpu ? `${fmt(s.cpu.postgres + s.cpu.redis)}` : '-',
      s.cpu ? `${fmt(s.cpu.loadgen)}` : '-',
      s.cpu ? `${fmt(s.cpu.other)}` : '-',
    ];
  });
  const head = [
    'scenario',
    'req/s',
    'p50 ms',
    'p99 ms',
    'non-2xx/errors',
    'vs bare',
    'target',
    'result',
    'cpu server',
    'pg+redis',
    'loadgen',
    'other',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 || i === 6 || i === 7 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [
    '',
    `cws-registry benchmark, ${report.date}`,
    `  ${report.machine.cpus} x ${report.machine.model}, Node ${report.machine.node}`,
    `  database: ${report.database}; cache: ${report.cache}`,
    `  catalogue: ${report.catalogue.counts.images.toLocaleString('en')} listings, ` +
      `${report.catalogue.counts.ratings.toLocaleString('en')} ratings ` +
      (report.catalogue.generation.cached
        ? '(reused)'
        : `(generated in ${report.catalogue.generation.seconds.toFixed(1)} s)`),
    `  ${report.settings.connections} connections, ${report.settings.warmupSeconds} s warm-up + ` +
      `${report.settings.seconds} s measured; rate limits ${report.settings.rateLimits === 'on' ? 'ON (never refusing)' : 'OFF'}, log level warn` +
      (report.settings.profile ? '; CPU profiler on (slower)' : ''),
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
  ];
  const broken = report.scenarios.filter((s) => s.result.non2xx + s.result.errors + s.result.timeouts > 0);
  for (const s of broken) {
    out.push(
      `!!! ${s.id}: ${s.result.non2xx} non-2xx answers, ${s.result.errors} errors, ${s.result.timeouts} timeouts ` +
        `(> ${report.settings.timeoutSeconds} s; status codes ${JSON.stringify(s.result.statusCodes)}): ` +
        "THIS SCENARIO'S NUMBERS ARE NOT VALID",
    );
  }
  if (broken.length === 0) out.push('every answer was 2xx');
  const bare = report.scenarios.find((s) => s.id === 'bare-express');
  if (bare?.baselines?.length > 1) {
    out.push(
      `bare Express was measured before each scenario and after the last (${bare.baselines.map((b) => Math.round(b.rps)).join(', ')} req/s; ` +
        'the row shows the median); each "vs bare" uses the mean of the measurements just before and just after it.',
    );
  }
  const noisy = report.scenarios.filter((s) => (s.cpu?.other ?? 0) >= 0.2);
  if (noisy.length > 0) {
    out.push(
      `!!! other processes used >= 0.2 cores during ${noisy.map((s) => s.id).join(', ')}: ` +
        'those numbers are low and noisy (BENCH_WAIT_IDLE=1 waits for a quiet machine before each scenario)',
    );
  }
  out.push(
    "cpu columns: cores busy during the measurement (server child; the benchmark database's PostgreSQL " +
      'backends + Redis; autocannon; everything else on the machine).',
  );
  process.stdout.write(`${out.join('\n')}\n`);
  return broken.length > 0;
}

/** Scenarios whose cost must not grow with the catalogue: p50 at 100k within 1.5x of p50 at 2k. */
export const SIZE_RATIO_TARGET = {
  max: 1.5,
  applies: (id) => id.startsWith('resolve-cold') || id.startsWith('search'),
};

/**
 * Cost against catalogue size: a run next to the latest run of the other size (BENCH_QUICK or not)
 * on the same kind of database in `dir`, as p50 at the big size / p50 at the small size per
 * scenario; resolve-cold* and search* are checked against SIZE_RATIO_TARGET.
 */
export function sizeRatio(current, dir) {
  const kind = (r) => (r.database.startsWith('PostgreSQL') ? 'postgres' : 'pglite');
  let other = null;
  let names = [];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    // no results yet
  }
  for (const name of names.sort()) {
    try {
      const r = JSON.parse(readFileSync(join(dir, name), 'utf8'));
      if (r.date < current.date && r.settings?.quick !== current.settings.quick && kind(r) === kind(current)) other = r;
    } catch {
      // not a result file
    }
  }
  if (!other) return { kind: kind(current), missing: current.settings.quick ? 'full' : 'BENCH_QUICK', rows: [] };
  const [big, small] = current.settings.quick ? [other, current] : [current, other];
  const rows = [];
  for (const s of big.scenarios) {
    const t = small.scenarios.find((x) => x.id === s.id);
    if (!t) continue;
    const ratio = s.result.latencyMs.p50 / t.result.latencyMs.p50;
    const checked = SIZE_RATIO_TARGET.applies(s.id);
    const valid = [s, t].every((x) => x.result.non2xx + x.result.errors + x.result.timeouts === 0);
    rows.push({
      id: s.id,
      bigP50: s.result.latencyMs.p50,
      smallP50: t.result.latencyMs.p50,
      bigRps: s.result.rps,
      smallRps: t.result.rps,
      ratio,
      target: checked ? `<= ${SIZE_RATIO_TARGET.max}x` : null,
      result: !checked
        ? null
        : !valid || !Number.isFinite(ratio)
          ? 'INVALID'
          : ratio <= SIZE_RATIO_TARGET.max
            ? 'MET'
            : 'MISSED',
    });
  }
  return {
    kind: kind(current),
    big: { date: big.date, listings: big.catalogue.counts.images },
    small: { date: small.date, listings: small.catalogue.counts.images },
    rows,
  };
}

export function printSizeRatio(ratio, log = (m) => process.stdout.write(`${m}\n`)) {
  if (!ratio) return;
  if (ratio.missing) {
    log(`size ratio: no ${ratio.missing} run on ${ratio.kind} yet to compare with`);
    return;
  }
  log(
    `\nsize ratio (p50 at ${ratio.big.listings} listings, ${ratio.big.date} / p50 at ${ratio.small.listings}, ${ratio.small.date}; ` +
      `target <= ${SIZE_RATIO_TARGET.max}x for resolve-cold* and search*):`,
  );
  for (const r of ratio.rows) {
    log(
      `  ${r.id.padEnd(30)} ${r.bigP50.toFixed(2).padStart(9)} ms / ${r.smallP50.toFixed(2).padStart(8)} ms = ${`${r.ratio.toFixed(2)}x`.padStart(7)}` +
        `  ${(r.target ?? '').padEnd(8)} ${(r.result ?? '').padEnd(7)}  (req/s ${Math.round(r.bigRps)} vs ${Math.round(r.smallRps)})`,
    );
  }
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node bench/report.js bench/results/<stamp>.json\n');
    process.exit(2);
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  printReport(report);
  printSizeRatio(report.sizeRatio);
}
