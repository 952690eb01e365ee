// `node bench/cpu-resolve-ab.js BASE_TREE NEW_TREE`: CPU per cold resolve (resolveHit(), the fast
// path's one statement, no HTTP, no cache) of two built checkouts in ONE process on one database,
// alternating in short batches, so a loaded machine's drift hits both alike (bench/cpu-resolve.js
// runs one tree per process, too noisy at load 15+ for a 0.3 ms difference). Per policy
// (plain and each RESOLVE_POLICIES entry; ONLY=plain,channel limits them): 12 inputs (the 4 largest
// templates x 3 regions), both trees' answers compared first (they must be equal), then ROUNDS (15)
// rounds of BATCH (3) passes over the inputs per tree, the order of the two flipped every round.
// Prints per tree the median ms of CPU per resolve (process.cpuUsage: the PGlite worker thread
// included; on PostgreSQL also the backend's utime+stime from /proc) and the median of the
// per-round ratios new/base. PGlite: PGLITE_DIR=<a copy of bench/.data/pglite-.../pgdata>;
// PostgreSQL: DATABASE_URL and DB. Read-only.
import { alternate, formatResult, openDatabase } from './cpu-ab.js';

const [baseTree, newTree] = process.argv.slice(2);
if (!baseTree || !newTree) {
  process.stderr.write('usage: node bench/cpu-resolve-ab.js BASE_TREE NEW_TREE\n');
  process.exit(2);
}
const load = async (tree) => ({
  resolveHit: (await import(`${tree}/registry-server/dist/db/queries/resolve.js`)).resolveHit,
  ANONYMOUS: (await import(`${tree}/registry-server/dist/db/queries/visibility.js`)).ANONYMOUS,
});
const trees = { base: await load(baseTree), new: await load(newTree) };
const { RESOLVE_POLICIES } = await import(`${newTree}/bench/catalogue.js`);
const rounds = Number(process.env.ROUNDS ?? 15);
const batch = Number(process.env.BATCH ?? 3);
const { database, db, backend, sql } = await openDatabase(newTree);
const templates = (
  await sql`SELECT template FROM images GROUP BY template ORDER BY count(*) DESC LIMIT 4`.execute(db)
).rows.map((r) => r.template);
const regions = ['us-east-1', 'eu-west-1', 'us-west-2'];
const cases = [{ id: 'plain', policy: {} }, ...RESOLVE_POLICIES];
const only = process.env.ONLY ? process.env.ONLY.split(',') : null;
console.log(`templates ${templates.join(' ')}; ${rounds} rounds of ${batch} x 12 resolves per tree and policy`);
for (const c of cases) {
  if (only && !only.includes(c.id)) continue;
  const inputs = templates.flatMap((template) =>
    regions.map((region) => ({ template, region, architecture: c.arm64 ? 'arm64' : 'x86_64', ...c.policy })),
  );
  const accepted = c.policy.maxSeverityRank !== undefined;
  const pass = async (t) => {
    const out = [];
    for (const p of inputs) out.push(await trees[t].resolveHit(db, p, trees[t].ANONYMOUS, { accepted }));
    return out;
  };
  // Same answers, and every statement prepared and past its first custom plans.
  for (let k = 0; k < 7; k++) {
    const [a, b] = [await pass('base'), await pass('new')];
    if (k === 0 && JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${c.id}: the trees answer differently`);
  }
  console.log(formatResult(c.id, await alternate({ rounds, batch, n: inputs.length, backend, pass })));
}
await database.close();
