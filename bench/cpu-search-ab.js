// `node bench/cpu-search-ab.js BASE_TREE NEW_TREE`: CPU per search (SearchService.search() with
// the cache off, as an anonymous viewer, and the JSON.stringify the route sends; no HTTP) of two
// built checkouts in ONE process on one database, alternating (bench/cpu-ab.js). First both
// trees' answers are compared, byte for byte, on the bench's search queries and more (a broad
// prefix, other sorts, filters), each followed through its next pages by cursor; then per query
// (the search* scenarios of bench/run.js; ONLY=common,typo limits them) ROUNDS (15) rounds of
// BATCH (20) searches per tree, the order flipped every round. Prints per tree the median ms of
// CPU per search (Node's process, the PGlite worker included; on PostgreSQL also the tree's backend's)
// and the median of the per-round ratios new/base. PGlite: PGLITE_DIR=<a copy of
// bench/.data/pglite-.../pgdata>; PostgreSQL: DATABASE_URL and DB. Read-only.
import { alternate, formatResult, openDatabase } from './cpu-ab.js';

const [baseTree, newTree] = process.argv.slice(2);
if (!baseTree || !newTree) {
  process.stderr.write('usage: node bench/cpu-search-ab.js BASE_TREE NEW_TREE\n');
  process.exit(2);
}
const { searchQuery } = await import(`${newTree}/shared/dist/index.js`);
const { SEARCH_TYPO, SEARCH_WORDS } = await import(`${newTree}/bench/catalogue.js`);
const rounds = Number(process.env.ROUNDS ?? 15);
const batch = Number(process.env.BATCH ?? 20);
// On PostgreSQL each tree has its own connection (and backend), opened by its own code: two copies
// of db/prepared.ts on one connection would each prepare the same statement. PGlite: one database.
const opened = { new: await openDatabase(newTree) };
opened.base = process.env.DATABASE_URL ? await openDatabase(baseTree) : opened.new;
const backend = opened.new.backend && { base: opened.base.backend, new: opened.new.backend };
const noCache = { wrap: (_key, load) => load() };
const load = async (tree, t) => {
  const { SearchService } = await import(`${tree}/registry-server/dist/services/search.js`);
  const { ANONYMOUS } = await import(`${tree}/registry-server/dist/db/queries/visibility.js`);
  return new SearchService(opened[t].database, noCache, { scope: async () => ANONYMOUS });
};
const trees = { base: await load(baseTree, 'base'), new: await load(newTree, 'new') };
const query = (qs) => searchQuery.parse(Object.fromEntries(new URLSearchParams(qs)));
const search = async (t, q) => JSON.stringify(await trees[t].search(q, null));

// The search* scenarios of bench/run.js (`mix`: its `search` scenario's words, one search each).
const cases = [
  ['common', ['q=python']],
  ['rare', ['q=maven']],
  ['typo', ['q=pyhton']],
  ['two-words', ['q=python jupyter']],
  ['non-latin', ['q=データ']],
  ['filtered', ['q=python&architecture=arm64&min_rating=3&sort=relevance']],
  ['mix', [...SEARCH_WORDS, SEARCH_TYPO].map((w) => `q=${w}`)],
].map(([id, qs]) => ({ id, queries: qs.map(query) }));

// Answers first: every case and these, three pages each.
const checks = [
  ...cases.flatMap((c) => c.queries),
  ...[
    'q=p',
    'q=py',
    'q=jup',
    'q=python&sort=rating',
    'q=python&sort=recent',
    'q=python&sort=name',
    'q=python&sort=downloads',
    'q=python&limit=100',
    'q=python jupyter genomics',
    'q=pyhton jupytr',
    'q=graviton&region=eu-west-1',
    'q=python&template=ubuntu-22.04',
    'q=python&verified=true',
    'q=nextflow&min_rating=4.5',
    'sort=recent',
    'q=,,,',
  ].map(query),
];
let compared = 0;
for (const q of checks) {
  let cursor;
  for (let page = 0; page < 3; page++) {
    const p = cursor === undefined ? q : { ...q, cursor };
    const [a, b] = [await search('base', p), await search('new', p)];
    if (a !== b) throw new Error(`the trees answer ${JSON.stringify(p)} differently`);
    compared++;
    cursor = JSON.parse(a).next_cursor ?? undefined;
    if (cursor === undefined) break;
  }
}
console.log(`${compared} pages answered alike; ${rounds} rounds of ${batch} searches per tree and query`);

const only = process.env.ONLY ? process.env.ONLY.split(',') : null;
for (const c of cases) {
  if (only && !only.includes(c.id)) continue;
  const per = Math.max(1, Math.round(batch / c.queries.length));
  const pass = async (t) => {
    for (let k = 0; k < per; k++) for (const q of c.queries) await search(t, q);
  };
  for (let k = 0; k < 5; k++) for (const t of ['base', 'new']) await pass(t); // prepared, past the custom plans
  console.log(formatResult(c.id, await alternate({ rounds, batch: 1, n: per * c.queries.length, backend, pass })));
}
await opened.new.database.close();
if (opened.base !== opened.new) await opened.base.database.close();
