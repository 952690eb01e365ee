// Helpers of the in-process CPU A/B scripts (bench/cpu-resolve-ab.js, bench/cpu-search-ab.js): two
// built checkouts' code alternating in one process on one database, so a loaded machine's drift
// hits both alike. Read-only on the database.
import { readFileSync } from 'node:fs';

/** The database the A/B runs on: PostgreSQL (DATABASE_URL, database DB, one connection) or PGlite (PGLITE_DIR). */
export async function openDatabase(tree) {
  const { createDatabase } = await import(`${tree}/registry-server/dist/index.js`);
  const { sql } = await import('kysely');
  let database;
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${process.env.DB}`;
    database = await createDatabase({ kind: 'postgres', url: url.toString(), poolMax: 1 });
  } else {
    database = await createDatabase({ kind: 'pglite', dataDir: process.env.PGLITE_DIR });
  }
  // The backend's pid (PostgreSQL), to read its CPU from /proc; null on PGlite (in this process).
  const backend = process.env.DATABASE_URL
    ? (await sql`SELECT pg_backend_pid() AS p`.execute(database.db)).rows[0].p
    : null;
  return { database, db: database.db, backend, sql };
}

/** A process's user+system CPU in ms (/proc, 100 Hz ticks). */
export function ticks(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * `rounds` rounds of `batch` calls of `pass(tree)` per tree ('base', 'new'), the order flipped every
 * round; `n` operations per pass. Returns the median ms of CPU per operation of each tree
 * (process.cpuUsage: a PGlite worker thread included), the backend's (when given: a pid, or one
 * per tree as { base, new }) and the median of the per-round ratios new/base.
 */
export async function alternate({ rounds, batch, n, backend, pass }) {
  const per = { base: [], new: [] };
  const backendPer = { base: [], new: [] };
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? ['new', 'base'] : ['base', 'new'];
    const got = {};
    for (const t of order) {
      const c0 = process.cpuUsage();
      const pid = typeof backend === 'object' && backend !== null ? backend[t] : backend;
      const b0 = pid ? ticks(pid) : 0;
      for (let k = 0; k < batch; k++) await pass(t);
      const cu = process.cpuUsage(c0);
      got[t] = (cu.user + cu.system) / 1000 / (batch * n);
      per[t].push(got[t]);
      if (pid) backendPer[t].push((ticks(pid) - b0) / (batch * n));
    }
    ratios.push(got.new / got.base);
  }
  return {
    base: median(per.base),
    new: median(per.new),
    backendBase: backend ? median(backendPer.base) : null,
    backendNew: backend ? median(backendPer.new) : null,
    ratio: median(ratios),
  };
}

/** One line of a result: `id  base X ms [backend B]  new Y ms [backend C]  new/base R`. */
export function formatResult(id, m) {
  const be = (v) => (v === null ? '' : `  backend ${v.toFixed(2)}`);
  return `${id.padEnd(24)} base ${m.base.toFixed(3)} ms${be(m.backendBase)}  new ${m.new.toFixed(3)} ms${be(m.backendNew)}  new/base ${m.ratio.toFixed(2)}`;
}
