// Hottest functions of a V8 .cpuprofile (from node --cpu-prof) by self time, and self time
// by where the code lives (registry-server, a package, Node internals, GC, idle).
//   node bench/profile-top.js bench/results/<stamp>-profiles/search.cpuprofile [N] [M]
// (N functions by self time, M JavaScript functions by total time)
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** @param {string} file @param {number} top @param {number} inclusiveTop */
export function summarizeProfile(file, top = 25, inclusiveTop = 0) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  // timeDeltas[i] is the time before sample i was taken: charge it to that sample's node.
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map();
  const areas = new Map();
  for (const [id, us] of self) {
    const { callFrame: f } = byId.get(id);
    const where = f.url ? `${shorten(f.url)}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + us);
    areas.set(area(f), (areas.get(area(f)) ?? 0) + us);
  }
  // Inclusive time: each sample counts once for every distinct function on its stack.
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map();
  for (const [id, us] of self) {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const { callFrame: f } = byId.get(at);
      if (!f.url || f.url.startsWith('node:')) continue;
      const key = `${f.functionName || '(anonymous)'} ${shorten(f.url)}:${f.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const lines = [`\n${basename(file)}: ${(total / 1e6).toFixed(1)} s sampled`, '  self time by area:'];
  for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, 12)) lines.push(`    ${pct(us)}  ${a}`);
  lines.push(`  top ${top} functions by self time:`);
  for (const [k, us] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, top)) lines.push(`    ${pct(us)}  ${k}`);
  if (inclusiveTop > 0) {
    lines.push(`  top ${inclusiveTop} JavaScript functions by total time (self + callees):`);
    for (const [k, us] of [...inclusive].sort((x, y) => y[1] - x[1]).slice(0, inclusiveTop)) {
      lines.push(`    ${pct(us)}  ${k}`);
    }
  }
  return lines.join('\n');
}

function shorten(url) {
  const u = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(u);
  if (pkg) return `${pkg[1]}/${pkg[2]}`;
  const local = /\/(registry-server|shared|migrations|bench)\/(.*)$/.exec(u);
  return local ? `${local[1]}/${local[2]}` : u;
}

function area(f) {
  if (!f.url) return f.functionName.startsWith('(') ? f.functionName : '(native/builtin)';
  if (f.url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f.url);
  if (pkg) return pkg[1];
  const local = /\/(registry-server|shared|migrations|bench)\//.exec(f.url);
  return local ? local[1] : f.url;
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  const [file, n, m] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node bench/profile-top.js FILE.cpuprofile [N]\n');
    process.exit(2);
  }
  process.stdout.write(`${summarizeProfile(file, Number(n ?? 30), Number(m ?? 40))}\n`);
}
