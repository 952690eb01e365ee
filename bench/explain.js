// `node bench/explain.js [template] [region] [architecture]`: EXPLAIN (ANALYZE, BUFFERS) of the
// hot queries on the bench catalogue (PGlite cache folder, or DATABASE_URL's cws_bench), so
// their plans can be checked and kept in bench/README.md. Read-only.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveCandidatesQuery, resolveProbe } from '../registry-server/dist/db/queries/resolve.js';
import {
  driverOf,
  relevancePage,
  relevancePhase,
  similarWordsQuery,
} from '../registry-server/dist/db/queries/search.js';
import { ANONYMOUS } from '../registry-server/dist/db/queries/visibility.js';
import { createDatabase } from '../registry-server/dist/index.js';
import { searchTerms } from '../registry-server/dist/services/search.js';
import { queryWords } from '../registry-server/dist/services/search-terms.js';

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
  database = await createDatabase({ kind: 'pglite', dataDir: join(root, dir, 'pgdata') });
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
// The search scenarios of the bench, the way the service runs them: each query word is looked
// up in the vocabulary (prefix expansion, else typo candidates: services/search.ts
// searchTerms), then the first page walks the postings (db/queries/search.ts relevancePhase:
// class 1, the query words in name/template/category/tags, first).
const visible = { scope: ANONYMOUS, includeHidden: false };
const median = async (fn) => {
  const times = [];
  for (let n = 0; n < 5; n++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[2].toFixed(1);
};
for (const [q, filters] of [
  ['python', {}],
  ['maven', {}],
  ['pyhton', {}],
  ['python jupyter', {}],
  ['データ', {}],
  ['python', { architecture: 'arm64', minRating: 3 }],
]) {
  const words = queryWords(q);
  const terms = await searchTerms(db, words);
  const expansion = await median(() => searchTerms(db, words));
  const label = `q=${q}${Object.keys(filters).length ? ` ${JSON.stringify(filters)}` : ''}`;
  if (terms === null) {
    await explain(
      `typo candidates of "${words[0]}" (the vocabulary has no word it begins)`,
      similarWordsQuery(words[0]).compile(db),
    );
    console.log(
      `-- ${label}: no vocabulary word is near "${words.join(' ')}": no search runs (expansion ${expansion} ms)`,
    );
    continue;
  }
  const f = { terms, visible, ...filters };
  const d = driverOf(terms);
  if (d !== null) {
    await explain(
      `search first page, ${label} (terms ${JSON.stringify(terms)}; class 1 walk)`,
      relevancePhase(db, f, d, 1, null, 21).compile(),
    );
  }
  const page = await median(() => relevancePage(db, f, 20));
  console.log(
    `-- ${label}: expansion median ${expansion} ms, relevancePage (first page, with its columns) median ${page} ms of 5`,
  );
}
await database.close();
