// `node bench/cpu-resolve.js TREE`: CPU per cold resolve (resolveHit(), the fast path's one
// prepared statement, no HTTP, no cache) for the plain resolve and each RESOLVE_POLICIES entry, on
// a built checkout TREE (so two builds can be alternated on one catalogue). 12 inputs per policy
// (the 4 largest templates x us-east-1/eu-west-1/us-west-2), all warmed once, then ROUNDS (10)
// rounds: Node's process CPU (its PGlite worker thread included) and, on PostgreSQL, the backend's
// utime+stime from /proc, per resolve; then pg_prepared_statements' generic and custom plans.
// PGlite: PGLITE_DIR=<a copy of bench/.data/pglite-.../pgdata>; PostgreSQL: DATABASE_URL and DB.
// Read-only. ONLY=plain,channel limits the policies.
import { openDatabase, ticks } from './cpu-ab.js';

const tree = process.argv[2];
const { resolveHit } = await import(`${tree}/registry-server/dist/db/queries/resolve.js`);
const { ANONYMOUS } = await import(`${tree}/registry-server/dist/db/queries/visibility.js`);
const { RESOLVE_POLICIES } = await import(`${tree}/bench/catalogue.js`);
const rounds = Number(process.env.ROUNDS ?? 10);
const { database, db, backend, sql } = await openDatabase(tree);
const templates = (
  await sql`SELECT template FROM images GROUP BY template ORDER BY count(*) DESC LIMIT 4`.execute(db)
).rows.map((r) => r.template);
const regions = ['us-east-1', 'eu-west-1', 'us-west-2'];
const cases = [{ id: 'plain', policy: {} }, ...RESOLVE_POLICIES];
const only = process.env.ONLY ? process.env.ONLY.split(',') : null;
const out = [`templates ${templates.join(' ')}`];
for (const c of cases)
  for (const template of templates)
    for (const region of regions)
      await resolveHit(db, { template, region, architecture: c.arm64 ? 'arm64' : 'x86_64', ...c.policy }, ANONYMOUS, {
        accepted: c.policy.maxSeverityRank !== undefined,
      });
for (const c of cases) {
  if (only && !only.includes(c.id)) continue;
  const inputs = templates.flatMap((template) =>
    regions.map((region) => ({ template, region, architecture: c.arm64 ? 'arm64' : 'x86_64', ...c.policy })),
  );
  const accepted = c.policy.maxSeverityRank !== undefined;
  for (const p of inputs) await resolveHit(db, p, ANONYMOUS, { accepted }); // prepare + settle
  const c0 = process.cpuUsage();
  const b0 = backend ? ticks(backend) : 0;
  const t0 = performance.now();
  let hits = 0;
  for (let r = 0; r < rounds; r++) for (const p of inputs) if (await resolveHit(db, p, ANONYMOUS, { accepted })) hits++;
  const n = rounds * inputs.length;
  const cu = process.cpuUsage(c0);
  const node = (cu.user + cu.system) / 1000 / n;
  const be = backend ? (ticks(backend) - b0) / n : 0;
  out.push(
    `${c.id.padEnd(24)} node ${node.toFixed(2)} ms  backend ${be.toFixed(2)} ms  wall ${((performance.now() - t0) / n).toFixed(2)} ms  hits ${hits}/${n}`,
  );
}
{
  const { rows } =
    await sql`SELECT sum(generic_plans)::int AS g, sum(custom_plans)::int AS c FROM pg_prepared_statements`.execute(db);
  out.push(`pg_prepared_statements: generic ${rows[0].g}, custom ${rows[0].c}`);
}
console.log(out.join('\n'));
await database.close();
