// `node bench/explain-resolve.js [template region]`: EXPLAIN (ANALYZE, BUFFERS) of the resolve
// fast path's one statement, prepared and executed as the server runs it (PREPARE, six EXECUTEs so
// PostgreSQL has settled on its plan, then EXPLAIN EXECUTE), for the plain resolve and each policy
// of the bench (RESOLVE_POLICIES). On the PGlite bench catalogue of this tree, or with
// DATABASE_URL on BENCH_PG_DATABASE (default cws_bench; cws_bench_quick with BENCH_QUICK=1).
// Prints per policy the execution time and the buffers touched, then the plans. Read-only.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { hitQuery } from '../registry-server/dist/db/queries/resolve.js';
import { ANONYMOUS } from '../registry-server/dist/db/queries/visibility.js';
import { createDatabase } from '../registry-server/dist/index.js';
import { RESOLVE_POLICIES } from './catalogue.js';

const here = new URL('.', import.meta.url).pathname;
const [template = 'ubuntu-24.04', region = 'us-east-1'] = process.argv.slice(2);
const quick = process.env.BENCH_QUICK === '1';
let database;
if (process.env.DATABASE_URL) {
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${process.env.BENCH_PG_DATABASE || (quick ? 'cws_bench_quick' : 'cws_bench')}`;
  database = await createDatabase({ kind: 'postgres', url: url.toString(), poolMax: 1 });
} else {
  const root = join(here, '.data');
  const dir = existsSync(root)
    ? readdirSync(root).find((d) => d.startsWith(quick ? 'pglite-2000-' : 'pglite-100000-') && !d.endsWith('.building'))
    : undefined;
  if (!dir) throw new Error('no PGlite bench catalogue: run `node bench/run.js --prepare` first');
  database = await createDatabase({ kind: 'pglite', dataDir: join(root, dir, 'pgdata') });
}

const literal = (v) => (typeof v === 'number' ? String(v) : `'${String(v).replaceAll("'", "''")}'`);
const cases = [{ id: 'plain', policy: {} }, ...RESOLVE_POLICIES];
const plans = [];
await database.db.connection().execute(async (db) => {
  for (const [n, c] of cases.entries()) {
    const policy = { template, region, architecture: c.arm64 ? 'arm64' : 'x86_64', ...c.policy };
    const compiled = hitQuery(db, policy, ANONYMOUS, c.policy.maxSeverityRank !== undefined).compile();
    const name = `explain_resolve_${n}`;
    await sql.raw(`PREPARE ${name} AS ${compiled.sql}`).execute(db);
    const execute = `EXECUTE ${name}(${compiled.parameters.map(literal).join(', ')})`;
    for (let k = 0; k < 6; k++) await sql.raw(execute).execute(db);
    const { rows } = await sql.raw(`EXPLAIN (ANALYZE, BUFFERS) ${execute}`).execute(db);
    const text = rows.map((r) => r['QUERY PLAN']).join('\n');
    const time = /Execution Time: ([\d.]+)/.exec(text)?.[1];
    const hits = /Buffers: shared hit=(\d+)/.exec(text)?.[1];
    // A generic plan shows $n where a custom one (planned again on every EXECUTE) shows the values.
    const plan = /\$\d/.test(text) ? 'generic' : 'custom (planned per EXECUTE)';
    console.log(
      `${c.id.padEnd(24)} ${policy.architecture.padEnd(7)} execution ${time} ms, shared hit=${hits}, ${plan}`,
    );
    plans.push(`-- ${c.id} (${template} ${region}/${policy.architecture})\n${text}`);
    await sql.raw(`DEALLOCATE ${name}`).execute(db);
  }
});
if (process.env.PLANS !== '0') console.log(`\n${plans.join('\n\n')}`);
await database.close();
