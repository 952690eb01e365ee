// Where the generated catalogue lives and how a run gets a fresh copy of it:
// embedded PGlite: a data folder cached under bench/.data, copied for each run;
// PostgreSQL: database cws_bench (cws_bench_quick), cloned into <name>_run for each run.
// The rating scenario writes, so every run starts from the same pristine catalogue.
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { migrations } from '../migrations/dist/index.js';
import { resolveBest } from '../registry-server/dist/db/queries/resolve.js';
import { createDatabase } from '../registry-server/dist/index.js';
import { benchToken, GENERATOR_VERSION, generate, SIZES } from './generate.js';

/** Words searched for: real ones of several frequencies, and one typo (of python). */
export const SEARCH_WORDS = ['python', 'jupyter', 'genomics', 'postgresql', 'nextflow', 'graviton'];
export const SEARCH_TYPO = 'pyhton';

/**
 * The cold-resolve scenario of each policy (`resolve-cold-<id>`): its query string and the same
 * policy as the database layer sees it (`ResolvePolicy`: warn mode filters nothing). `arm64`
 * asks for that architecture instead of x86_64.
 */
export const RESOLVE_POLICIES = [
  { id: 'min-rating', query: 'min_rating=4.5', policy: { minRating: 4.5 } },
  { id: 'verified', query: 'verified_only=true', policy: { verifiedOnly: true } },
  { id: 'max-severity', query: 'max_severity=high&severity_mode=block', policy: { maxSeverityRank: 3 } },
  {
    id: 'max-severity-unscanned',
    query: 'max_severity=low&severity_mode=block&allow_unscanned=true',
    policy: { maxSeverityRank: 1, allowUnscanned: true },
  },
  { id: 'max-severity-warn', query: 'max_severity=low', policy: {} },
  { id: 'channel', query: 'channel=stable', policy: { channel: 'stable' } },
  { id: 'arch', query: '', policy: {}, arm64: true },
  {
    id: 'combined',
    query: 'min_rating=4&verified_only=true&max_severity=high&severity_mode=block&allow_unscanned=true&channel=stable',
    policy: { minRating: 4, verifiedOnly: true, maxSeverityRank: 3, allowUnscanned: true, channel: 'stable' },
  },
];

/**
 * @param {{ quick: boolean, databaseUrl?: string, databaseName?: string, dataRoot: string, log: (m: string) => void }} opts
 *   databaseName: the PostgreSQL database of the catalogue (default cws_bench, cws_bench_quick); its
 *   run copy is <name>_run. People who share one PostgreSQL server but not migrations use one each.
 * @returns {Promise<{ env: Record<string, string>, size: import('./generate.js').Size, key: string,
 *   generation: { cached: boolean, seconds: number }, inputs: Inputs, where: string,
 *   cleanup: () => Promise<void> }>}  cleanup drops the run's copy
 */
export async function prepareCatalogue({ quick, databaseUrl, databaseName, dataRoot, log }) {
  const size = quick ? SIZES.quick : SIZES.full;
  // Migrations change the schema the data must fit: they are part of the cache key.
  const key = `cws-bench v${GENERATOR_VERSION} ${size.listings}/${size.ratings} ${Object.keys(migrations).join(',')}`;
  const generation = { cached: true, seconds: 0 };
  const build = async (database) => {
    log(`generating ${size.listings.toLocaleString('en')} listings, ${size.ratings.toLocaleString('en')} ratings ...`);
    const t0 = performance.now();
    await database.migrate();
    await generate(database, size, log);
    generation.cached = false;
    generation.seconds = (performance.now() - t0) / 1000;
    log(`generated in ${generation.seconds.toFixed(1)} s`);
  };

  if (databaseUrl) {
    const name = databaseName || (quick ? 'cws_bench_quick' : 'cws_bench');
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`BENCH_PG_DATABASE: not a plain database name: ${name}`);
    const admin = await createDatabase({ kind: 'postgres', url: databaseUrl, poolMax: 1 });
    const urlOf = (db) => {
      const u = new URL(databaseUrl);
      u.pathname = `/${db}`;
      return u.toString();
    };
    try {
      const { rows } = await sql`SELECT shobj_description(oid, 'pg_database') AS key FROM pg_database
                                 WHERE datname = ${name}`.execute(admin.db);
      if (rows[0]?.key !== key) {
        if (rows.length > 0) log(`${name} was made by another generator (${rows[0].key}): rebuilding it`);
        await sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).execute(admin.db);
        await sql.raw(`CREATE DATABASE ${name}`).execute(admin.db);
        const database = await createDatabase({ kind: 'postgres', url: urlOf(name), poolMax: 1 });
        try {
          await build(database);
        } finally {
          await database.close();
        }
        await sql.raw(`COMMENT ON DATABASE ${name} IS '${key}'`).execute(admin.db);
      } else log(`reusing database ${name} (${key})`);
      const database = await createDatabase({ kind: 'postgres', url: urlOf(name), poolMax: 1 });
      const inputs = await readInputs(database, size).finally(() => database.close());
      const t0 = performance.now();
      await sql.raw(`DROP DATABASE IF EXISTS ${name}_run WITH (FORCE)`).execute(admin.db);
      await sql.raw(`CREATE DATABASE ${name}_run TEMPLATE ${name} STRATEGY FILE_COPY`).execute(admin.db);
      log(`cloned ${name} into ${name}_run in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const where = `PostgreSQL ${urlOf(`${name}_run`).replace(/\/\/[^@/]*@/, '//')}`;
      const cleanup = async () => {
        const a = await createDatabase({ kind: 'postgres', url: databaseUrl, poolMax: 1 });
        await sql.raw(`DROP DATABASE IF EXISTS ${name}_run WITH (FORCE)`).execute(a.db);
        await a.close();
      };
      return { env: { DATABASE_URL: urlOf(`${name}_run`) }, size, key, generation, inputs, where, cleanup };
    } finally {
      await admin.close();
    }
  }

  const prefix = `pglite-${size.listings}-`;
  const folder = join(dataRoot, `${prefix}v${GENERATOR_VERSION}-${Object.keys(migrations).length}m`);
  const marker = join(folder, 'BENCH-CATALOGUE');
  if (!existsSync(marker)) {
    // Catalogues of this size made by another generator version or for other migrations.
    for (const old of existsSync(dataRoot) ? readdirSync(dataRoot) : []) {
      if (old.startsWith(prefix)) rmSync(join(dataRoot, old), { recursive: true, force: true });
    }
    const building = `${folder}.building`;
    rmSync(building, { recursive: true, force: true });
    mkdirSync(building, { recursive: true });
    const database = await createDatabase({ kind: 'pglite', dataDir: join(building, 'pgdata') });
    try {
      await build(database);
    } finally {
      await database.close();
    }
    writeFileSync(join(building, 'BENCH-CATALOGUE'), `${key}\n`);
    renameSync(building, folder);
  } else log(`reusing ${folder}`);
  const pristine = join(folder, 'pgdata');
  const database = await createDatabase({ kind: 'pglite', dataDir: pristine });
  const inputs = await readInputs(database, size).finally(() => database.close());
  const runDir = join(dataRoot, 'run');
  const t0 = performance.now();
  rmSync(runDir, { recursive: true, force: true });
  cpSync(pristine, runDir, { recursive: true });
  log(`copied the catalogue to ${runDir} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const cleanup = async () => rmSync(runDir, { recursive: true, force: true });
  return {
    env: { CWS_REGISTRY_DATA: runDir },
    size,
    key,
    generation,
    inputs,
    where: `embedded PGlite in ${runDir}`,
    cleanup,
  };
}

/**
 * @typedef {{
 *   counts: Record<string, number>,
 *   resolve: Array<{ template: string, region: string, architecture: string }>,
 *   policies: Array<{ id: string, query: string, differ: number,
 *     inputs: Array<{ template: string, region: string, architecture: string }> }>,
 *   search: Array<{ q: string, matches: number | null, typo?: boolean }>,
 *   ratings: Array<{ path: string, token: string }>,
 * }} Inputs
 */

/** What the scenarios request: things that exist in this catalogue. */
export async function readInputs(database, size) {
  const db = database.db;
  const counts = {};
  for (const table of ['users', 'images', 'image_versions', 'image_regions', 'ratings', 'scans', 'search_words']) {
    const { rows } = await sql.raw(`SELECT count(*)::int AS n FROM ${table}`).execute(db);
    counts[table] = rows[0].n;
  }
  const { rows: templates } = await sql`SELECT template FROM images GROUP BY template
                                        ORDER BY count(*) DESC, template LIMIT 4`.execute(db);
  const resolve = templates.map((t) => ({ template: t.template, region: 'us-east-1', architecture: 'x86_64' }));
  resolve.push({ template: templates[0].template, region: 'us-east-1', architecture: 'arm64' });
  resolve.push({ template: templates[1].template, region: 'eu-west-1', architecture: 'x86_64' });
  // Per policy, up to 6 template/region/architecture triples it has an answer for (the scenario's
  // preflight checks each answers 2xx), and how many of them it answers otherwise than no policy.
  const triples = templates.flatMap((t) =>
    ['us-east-1', 'eu-west-1', 'us-west-2'].flatMap((region) =>
      ['x86_64', 'arm64'].map((architecture) => ({ template: t.template, region, architecture })),
    ),
  );
  const plain = new Map();
  for (const t of triples) plain.set(JSON.stringify(t), (await resolveBest(db, t))?.ami_id ?? null);
  const policies = [];
  for (const p of RESOLVE_POLICIES) {
    const inputs = [];
    let differ = 0;
    for (const t of triples.filter((x) => (x.architecture === 'arm64') === (p.arm64 === true))) {
      const hit = await resolveBest(db, { ...t, ...p.policy });
      if (!hit) continue;
      inputs.push(t);
      if (hit.ami_id !== plain.get(JSON.stringify(t))) differ++;
      if (inputs.length === 6) break;
    }
    policies.push({ id: p.id, query: p.query, inputs, differ });
  }
  const search = [];
  for (const q of SEARCH_WORDS) {
    const { rows } = await sql`SELECT count(*)::int AS n FROM images
                               WHERE search_tsv @@ to_tsquery('simple', ${`${q}:*`})`.execute(db);
    search.push({ q, matches: rows[0].n });
  }
  // The server corrects it (services/search-terms.ts) before searching.
  search.push({ q: SEARCH_TYPO, matches: null, typo: true });
  // The rating writes: public listings spread over the whole id range, each with two bench
  // users (their tokens) who may rate it: not its owner, nor anyone who published a version of
  // it (the API refuses their rating with a 403, which would make the run invalid).
  const step = Math.max(1, Math.floor(size.listings / 20_000));
  const { rows: listings } = await sql`SELECT u.handle AS owner, i.name, i.owner_id,
                                         ARRAY(SELECT DISTINCT v.created_by FROM image_versions v
                                               WHERE v.image_id = i.id AND v.created_by IS NOT NULL) AS publishers
                                       FROM images i JOIN users u ON u.id = i.owner_id
                                       WHERE i.visibility = 'public' AND i.id % ${step} = 0
                                       ORDER BY i.id`.execute(db);
  const ratings = [];
  listings.forEach((l, k) => {
    const refused = new Set([Number(l.owner_id), ...l.publishers.map(Number)]);
    for (let j = 0, found = 0; found < 2 && j < size.tokens; j++) {
      const user = 1 + ((k * 7919 + j * 104_729) % size.tokens);
      if (refused.has(user)) continue;
      ratings.push({ path: `/api/v1/listings/${l.owner}/${l.name}/rating`, token: benchToken(user) });
      found += 1;
    }
  });
  return { counts, resolve, policies, search, ratings };
}
