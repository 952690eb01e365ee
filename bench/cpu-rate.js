// `node bench/cpu-rate.js TREE`: CPU per rating write (writeRating(), one rate_listing() call) on N
// (600) distinct public listings from OFFSET, after 20 to warm up, on a built checkout TREE. Node's
// process CPU (PGlite's thread included) and, on PostgreSQL, the backend's from /proc. TRIG=on|off
// enables or disables the trigger that copies a listing's rank to resolve_slots first (the A/B of its
// cost). WRITES: run it on a copy (PGLITE_DIR=<a copy of the pgdata>, or DATABASE_URL and DB=<a copy>).
//
// VARIANTS=base,no-search-rating,... instead: what parts of a rating cost, in one process. Each round
// runs every variant in turn, each in a transaction that first applies the variant's DDL, rates the
// same N listings and rolls back, so every variant rates the same rows from the same state (a
// transaction's ratings, without their commits); ROUNDS (5) rounds after one to warm up, the median.
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
const backendOf = async (conn) =>
  process.env.DATABASE_URL ? (await sql`SELECT pg_backend_pid() AS p`.execute(conn)).rows[0].p : null;
const ticks = (pid) => {
  if (!pid) return 0;
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
const rate = (conn, t, k, salt = 0) =>
  writeRating(conn, Number(t.id), {
    user_id: 1 + ((Number(t.id) * 31 + k) % 4000),
    stars: 1 + ((k + salt) % 5),
    review: null,
    target: 'a/b',
  });

/** DDL per variant, undone by the round's rollback. */
const VARIANTS = {
  base: [],
  // The index migration 2026120350 dropped, made again (the A/B of that migration on a migrated copy).
  'with-rank-index': [
    `CREATE INDEX IF NOT EXISTS image_stats_resolve_rank_idx ON image_stats
       (template, rating_avg DESC, rating_count DESC, download_count DESC, image_id DESC)`,
  ],
  'no-rank-index': ['DROP INDEX IF EXISTS image_stats_resolve_rank_idx'],
  'no-slots-trigger': ['ALTER TABLE image_stats DISABLE TRIGGER image_stats_slots_changed'],
  'no-search-rating': ['ALTER TABLE image_stats DISABLE TRIGGER image_stats_search_rating'],
  'no-foreign-keys': [
    'ALTER TABLE ratings DROP CONSTRAINT ratings_image_id_fkey',
    'ALTER TABLE ratings DROP CONSTRAINT ratings_user_id_fkey',
    'ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_id_fkey',
    'ALTER TABLE audit_log DROP CONSTRAINT audit_log_image_id_fkey',
  ],
};

if (process.env.VARIANTS) {
  const names = process.env.VARIANTS.split(',');
  for (const name of names) if (!VARIANTS[name]) throw new Error(`unknown variant ${name}`);
  const rounds = Number(process.env.ROUNDS ?? 5);
  const { rows: targets } =
    await sql`SELECT id FROM images WHERE visibility = 'public' ORDER BY id OFFSET ${offset} LIMIT ${n}`.execute(db);
  const results = Object.fromEntries(names.map((name) => [name, []]));
  const ROLLBACK = new Error('rollback');
  for (let round = 0; round <= rounds; round++) {
    // Each round starts with another variant: whatever the first of a round pays (a tier-up, a
    // collection) falls on each in turn.
    for (const name of names.map((_, i) => names[(i + round) % names.length])) {
      await db
        .transaction()
        .execute(async (trx) => {
          const backend = await backendOf(trx);
          for (const statement of VARIANTS[name]) await sql.raw(statement).execute(trx);
          const c0 = process.cpuUsage();
          const b0 = ticks(backend);
          for (const [k, t] of targets.entries()) await rate(trx, t, k, round);
          const cu = process.cpuUsage(c0);
          if (round > 0)
            results[name].push({ node: (cu.user + cu.system) / 1000 / n, backend: (ticks(backend) - b0) / n });
          throw ROLLBACK;
        })
        .catch((err) => {
          if (err !== ROLLBACK) throw err;
        });
    }
  }
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const [name, rs] of Object.entries(results)) {
    const backend = process.env.DATABASE_URL ? `  backend ${median(rs.map((r) => r.backend)).toFixed(2)} ms` : '';
    console.log(
      `${name.padEnd(18)} node ${median(rs.map((r) => r.node)).toFixed(2)} ms${backend}   (rounds, node: ${rs.map((r) => r.node.toFixed(2)).join(' ')})`,
    );
  }
  await database.close();
  process.exit(0);
}

const backend = await backendOf(db);
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
const b0 = ticks(backend);
const t0 = performance.now();
let written = 0;
for (const [k, t] of targets.entries()) if (await rate(db, t, k)) written++;
const cu = process.cpuUsage(c0);
console.log(
  `rate: node ${((cu.user + cu.system) / 1000 / n).toFixed(2)} ms  backend ${backend ? ((ticks(backend) - b0) / n).toFixed(2) : '-'} ms  wall ${((performance.now() - t0) / n).toFixed(2)} ms  written ${written}/${n}`,
);
await database.close();
