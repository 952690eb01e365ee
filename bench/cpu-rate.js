// `node bench/cpu-rate.js TREE`: CPU per rating write (writeRating(), one rate_listing() call) on N
// (600) distinct public listings from OFFSET, after 20 to warm up, on a built checkout TREE. Node's
// process CPU and, on PostgreSQL, the backend's from /proc. TRIG=on|off enables or disables the
// trigger that copies a listing's rank to resolve_slots first (the A/B of its cost). WRITES: run it
// on a copy (PGLITE_DIR=<a copy of the pgdata>, or DATABASE_URL and DB=<a copy of the database>).
import { readFileSync } from 'node:fs';

const tree = process.argv[2];
const { writeRating } = await import(`${tree}/registry-server/dist/db/queries/ratings.js`);
const { createDatabase } = await import(`${tree}/registry-server/dist/index.js`);
const { sql } = await import('kysely');
const n = Number(process.env.N ?? 600);
const offset = Number(process.env.OFFSET ?? 0);
let database;
if (process.env.DATABASE_URL) {
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${process.env.DB}`;
  database = await createDatabase({ kind: 'postgres', url: url.toString(), poolMax: 1 });
} else database = await createDatabase({ kind: 'pglite', dataDir: process.env.PGLITE_DIR });
const db = database.db;
const backend = process.env.DATABASE_URL ? (await sql`SELECT pg_backend_pid() AS p`.execute(db)).rows[0].p : null;
const ticks = (pid) => {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
if (process.env.TRIG)
  await sql
    .raw(
      `ALTER TABLE image_stats ${process.env.TRIG === 'on' ? 'ENABLE' : 'DISABLE'} TRIGGER image_stats_slots_changed`,
    )
    .execute(db);
const { rows } =
  await sql`SELECT id, owner_id FROM images WHERE visibility = 'public' ORDER BY id OFFSET ${offset} LIMIT ${n + 20}`.execute(
    db,
  );
const targets = rows.slice(0, n);
for (const t of rows.slice(n))
  await writeRating(db, Number(t.id), { user_id: 999, stars: 4, review: null, target: 'a/b' });
const c0 = process.cpuUsage();
const b0 = backend ? ticks(backend) : 0;
const t0 = performance.now();
let written = 0;
for (const [k, t] of targets.entries()) {
  const user = 1 + ((Number(t.id) * 31 + k) % 4000);
  if (await writeRating(db, Number(t.id), { user_id: user, stars: 1 + (k % 5), review: null, target: 'a/b' }))
    written++;
}
const cu = process.cpuUsage(c0);
console.log(
  `rate: node ${((cu.user + cu.system) / 1000 / n).toFixed(2)} ms  backend ${backend ? ((ticks(backend) - b0) / n).toFixed(2) : '-'} ms  wall ${((performance.now() - t0) / n).toFixed(2)} ms  written ${written}/${n}`,
);
await database.close();
