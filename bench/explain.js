// `node bench/explain.js [template] [region] [architecture]`: EXPLAIN (ANALYZE, BUFFERS) of the
// hot queries on the bench catalogue (PGlite cache folder, or DATABASE_URL's cws_bench), so
// their plans can be checked and kept in bench/README.md. Read-only.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveCandidatesQuery, resolveProbe } from '../registry-server/dist/db/queries/resolve.js';
import { relevancePage, relevanceRanked } from '../registry-server/dist/db/queries/search.js';
import { createDatabase } from '../registry-server/dist/index.js';

const here = new URL('.', import.meta.url).pathname;
const [template = 'python-ml', region = 'us-east-1', architecture = 'x86_64'] = process.argv.slice(2);
const quick = process.env.BENCH_QUICK === '1';
let database;
if (process.env.DATABASE_URL) {
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = quick ? '/cws_bench_quick' : '/cws_bench';
  database = await createDatabase({ kind: 'postgres', url: url.toString(), poolMax: 1 });
} else {
  const root = join(here, '.data');
  const dir = existsSync(root)
    ? readdirSync(root).find((d) => d.startsWith(quick ? 'pglite-2000-' : 'pglite-100000-'))
    : undefined;
  if (!dir) throw new Error('no PGlite bench catalogue: run `node bench/run.js --prepare` first');
  database = await createDatabase({ kind: 'pglite', dataDir: join(root, dir) });
}
const db = database.db;

async function explain(title, compiled) {
  // Warm the cache once, then show the plan of the second run.
  await db.executeQuery(compiled);
  const text = `EXPLAIN (ANALYZE, BUFFERS) ${compiled.sql}`;
  const { rows } = await db.executeQuery({ ...compiled, sql: text });
  console.log(`\n-- ${title}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`);
}

const policy = { template, region, architecture };
await explain(
  `resolve probe (active, verified) ${template} ${region}/${architecture}`,
  resolveProbe(db, policy).compile(),
);
await explain(
  `resolve probe, min_rating 4 + max_severity high`,
  resolveProbe(db, { ...policy, minRating: 4, maxSeverityRank: 3 }).compile(),
);
await explain(
  'resolve probe, verified_only + max_severity low, deprecated class (the deepest walk)',
  resolveProbe(
    db,
    { ...policy, verifiedOnly: true, maxSeverityRank: 1 },
    { status: 'deprecated', verified: true },
  ).compile(),
);
if (process.argv.includes('--reference')) {
  await explain('resolve, the straightforward query (before)', resolveCandidatesQuery(db, policy, 1, true).compile());
}
for (const tsquery of ['python', 'genomics & pipeline', 'nextflow']) {
  const f = { tsquery, viewerId: undefined };
  await explain(`search relevance pool, q=${tsquery}`, relevanceRanked(db, f, 0, 21).compile());
  const times = [];
  for (let n = 0; n < 5; n++) {
    const t0 = performance.now();
    await relevancePage(db, f, 20);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`-- relevancePage q=${tsquery}: median ${times[2].toFixed(1)} ms of 5 (first page, with its columns)`);
}
await database.close();
