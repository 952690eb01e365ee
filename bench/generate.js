// Generates the benchmark catalogue with set-based SQL (generate_series, INSERT ... SELECT)
// through the server's own Database. Deterministic: every "random" choice is a hash of a row
// number (hashint8), so PGlite and PostgreSQL get the same catalogue.
import { sql } from 'kysely';
import { CATEGORIES, DESCRIPTION_WORDS, FIRST_NAMES, NAME_WORDS, REGIONS, REVIEWS, TAGS, TEMPLATES } from './words.js';

/** Bump when the generated data changes: cached catalogues with another version are rebuilt. */
export const GENERATOR_VERSION = 4;

/**
 * @typedef {{ listings: number, ratings: number, users: number, publishers: number, tokens: number }} Size
 * @type {{ full: Size, quick: Size }}
 */
export const SIZES = {
  full: { listings: 100_000, ratings: 1_000_000, users: 50_000, publishers: 10_000, tokens: 2_000 },
  quick: { listings: 2_000, ratings: 20_000, users: 2_000, publishers: 200, tokens: 200 },
};

/** The bearer token of bench user n (1..tokens): the api_tokens row stores its SHA-256 as the server does. */
export const benchToken = (n) => `cws_bench${String(n).padStart(35, '0')}`;

const TOPIC_WIDTH = 12;

/** A uniform number in [0, 1) from a row number and a salt. */
const U = (expr, salt) => `((hashint8((${expr})::bigint * 1000003 + ${salt}) & 2147483647)::float8 / 2147483648.0)`;
const lit = (list) => `ARRAY[${list.map((w) => `'${String(w).replaceAll("'", "''")}'`).join(',')}]::text[]`;
/** An element of array `arr` (length n), skewed to the front by `pow` (1: uniform). */
const pick = (arr, n, u, pow = 1) => `${arr}[1 + floor(${n} * power(${u}, ${pow}))::int]`;

function statements(/** @type {Size} */ s) {
  const T = TEMPLATES.length;
  const topics = TEMPLATES.flatMap(([, , words]) => {
    const w = words.split(' ');
    return Array.from({ length: TOPIC_WIDTH }, (_, k) => w[k % w.length]);
  });
  const R = REGIONS.length;
  // Word lists are inlined as constant arrays: the planner folds each into one value. (Read from
  // a table, an array is de-TOASTed again for every subscript: 13x slower on PGlite.)
  const d = `(${lit(DESCRIPTION_WORDS)})`;
  const tg = `(${lit(TAGS)})`;
  const nw = `(${lit(NAME_WORDS)})`;
  const fn = `(${lit(FIRST_NAMES)})`;
  const rg = `(${lit(REGIONS)})`;
  const tpl = `(${lit(TEMPLATES.map((t) => t[0]))})`;
  const tcat = `(${lit(TEMPLATES.map((t) => t[1]))})`;
  const cat = `(${lit(CATEGORIES)})`;
  const topic = `(${lit(topics)})`;
  const rv = `(${lit(REVIEWS)})`;
  return [
    [
      'users',
      `INSERT INTO users (id, handle, display_name, role, created_at)
       SELECT g, ${fn}[1 + floor(${FIRST_NAMES.length} * ${U('g', 1)})::int] || '-' || g,
              initcap(${fn}[1 + floor(${FIRST_NAMES.length} * ${U('g', 1)})::int]) || ' ' || g,
              CASE WHEN g % 5000 = 0 THEN 'maintainer' ELSE 'user' END,
              now() - make_interval(secs => ${U('g', 2)} * 94608000)
       FROM generate_series(1, ${s.users}) g`,
    ],
    [
      // Descriptions and tags as one flat set of (listing, position) rows, aggregated: much
      // cheaper than a correlated subquery per listing.
      'descriptions',
      `CREATE TEMP TABLE bench_desc AS
       SELECT i, string_agg(word, ' ' ORDER BY k) AS x
       FROM (SELECT i, k,
               CASE WHEN ${U('i * 64 + k', 15)} < 0.35
                    THEN ${topic}[t * ${TOPIC_WIDTH} + 1 + floor(${TOPIC_WIDTH} * power(${U('i * 64 + k', 16)}, 1.3))::int]
                    ELSE ${pick(d, DESCRIPTION_WORDS.length, U('i * 64 + k', 17), 2)} END AS word
             FROM (SELECT i, floor(${T} * power(${U('i', 10)}, 1.5))::int AS t, 10 + floor(14 * ${U('i', 14)})::int AS n
                   FROM generate_series(1, ${s.listings}) i) b
             JOIN generate_series(1, 23) k ON k <= b.n) w
       GROUP BY i`,
    ],
    [
      'tags',
      `CREATE TEMP TABLE bench_tags AS
       SELECT i, array_agg(DISTINCT ${pick(tg, TAGS.length, U('i * 8 + k', 18), 2)}) AS tags
       FROM generate_series(1, ${s.listings}) i JOIN generate_series(1, 5) k ON k <= 2 + floor(4 * ${U('i', 19)})::int
       GROUP BY i`,
    ],
    [
      'listing attributes',
      `CREATE TEMP TABLE bench_img AS
       SELECT base.i, owner_id, t, ${tpl}[t + 1] AS template,
         CASE WHEN ${U('base.i', 11)} < 0.05 THEN NULL
              WHEN ${U('base.i', 12)} < 0.85 THEN ${tcat}[t + 1]
              ELSE ${pick(cat, CATEGORIES.length, U('base.i', 13))} END AS category,
         ${pick(nw, NAME_WORDS.length, U('base.i', 3), 1.5)} || '-' || ${pick(nw, NAME_WORDS.length, U('base.i', 4))} || '-' || base.i AS name,
         upper(left(d.x, 1)) || substr(d.x, 2) || '.' AS description, g.tags,
         CASE WHEN ${U('base.i', 20)} < 0.96 THEN 'public' WHEN ${U('base.i', 20)} < 0.99 THEN 'unlisted' ELSE 'private' END AS visibility,
         ${U('base.i', 21)} < 0.2 AS verified,
         1 + (${U('base.i', 22)} < 0.4)::int + (${U('base.i', 23)} < 0.1)::int AS nver,
         CASE WHEN ${U('base.i', 24)} < 0.75 THEN 'x' WHEN ${U('base.i', 24)} < 0.9 THEN 'a' ELSE 'b' END AS arch,
         now() - make_interval(secs => ${U('base.i', 25)} * 63072000) AS created_at
       FROM (SELECT i, 1 + (i - 1) % ${s.publishers} AS owner_id, floor(${T} * power(${U('i', 10)}, 1.5))::int AS t
             FROM generate_series(1, ${s.listings}) i) base
       JOIN bench_desc d ON d.i = base.i JOIN bench_tags g ON g.i = base.i`,
    ],
    [
      // Popularity is skewed (a few listings have hundreds of ratings), then scattered over ids.
      // A user rates a listing at most once: user = f(listing, rank of the rating within it).
      'ratings (staging)',
      `CREATE TEMP TABLE bench_r AS
       SELECT image_id, 1 + ((image_id * 7919 + rn * 104729) % ${s.users}) AS user_id, rn,
         least(5, greatest(1, round(2.3 + 2.7 * ${U('image_id', 41)} + (${U('n', 42)} - 0.5) * 3)))::smallint AS stars,
         CASE WHEN ${U('n', 43)} < 0.1 THEN ${pick(rv, REVIEWS.length, U('n', 44))} END AS review,
         now() - make_interval(secs => ${U('n', 45)} * 63072000) AS created_at
       FROM (SELECT n, image_id, row_number() OVER (PARTITION BY image_id ORDER BY n) - 1 AS rn
             FROM (SELECT n, 1 + (floor(${s.listings} * power(${U('n', 40)}, 1.6))::bigint * 48271) % ${s.listings} AS image_id
                   FROM generate_series(0, ${s.ratings - 1}) n) x) y`,
    ],
    [
      'versions (staging)',
      `CREATE TEMP TABLE bench_v AS
       SELECT row_number() OVER (ORDER BY b.i, k) AS id, b.i AS image_id, k, b.nver,
              floor(power(${U('b.i * 8 + k', 31)}, 3) * 20000)::bigint AS downloads
       FROM bench_img b, generate_series(1, b.nver) k`,
    ],
    [
      'listings',
      `INSERT INTO images (id, owner_id, name, template, category, description, visibility, tags, search_doc,
                           verified, created_at, updated_at)
       SELECT b.i, b.owner_id, b.name, b.template, b.category, b.description, b.visibility, b.tags,
         -- services/present.ts searchDoc(): parts joined by a space, lower-cased, whitespace collapsed, trimmed, 10k max
         left(btrim(regexp_replace(lower(concat_ws(' ', u.handle, b.name, b.template, b.category, b.description,
                                                   array_to_string(b.tags, ' '))), '\\s+', ' ', 'g')), 10000),
         b.verified, b.created_at, b.created_at + (now() - b.created_at) * ${U('b.i', 26)}
       FROM bench_img b
       JOIN users u ON u.id = b.owner_id`,
    ],
    [
      // The counters (the server's trigger makes these rows; triggers are off during the load).
      'listing stats',
      `INSERT INTO image_stats (image_id, template, rating_sum, rating_count, rating_avg, download_count)
       SELECT b.i, b.template, coalesce(a.s, 0), coalesce(a.c, 0), CASE WHEN a.c > 0 THEN a.s::real / a.c ELSE 0 END,
         coalesce(vd.d, 0)
       FROM bench_img b
       LEFT JOIN (SELECT image_id, sum(stars) AS s, count(*) AS c FROM bench_r GROUP BY image_id) a ON a.image_id = b.i
       LEFT JOIN (SELECT image_id, sum(downloads) AS d FROM bench_v GROUP BY image_id) vd ON vd.image_id = b.i`,
    ],
    [
      'versions',
      `INSERT INTO image_versions (id, image_id, version, changelog, status, source_template, created_by, download_count, created_at)
       SELECT v.id, v.image_id, v.k || '.' || floor(10 * ${U('v.id', 32)})::int || '.0',
         CASE WHEN ${U('v.id', 33)} < 0.3 THEN 'Updated packages and drivers.' END,
         CASE WHEN v.k = v.nver THEN (CASE WHEN ${U('v.image_id', 34)} < 0.02 THEN 'deprecated' ELSE 'active' END)
              WHEN ${U('v.id', 35)} < 0.1 THEN 'revoked' ELSE 'deprecated' END,
         b.template, b.owner_id, v.downloads, b.created_at + (now() - b.created_at) * (v.k - 1)::float8 / v.nver
       FROM bench_v v JOIN bench_img b ON b.i = v.image_id`,
    ],
    [
      // 1-3 distinct regions per version (about half start at us-east-1), per listing x86_64, arm64 or both.
      'regions',
      `INSERT INTO image_regions (id, version_id, region, architecture, ami_id, owner_account, state,
                                  verification_status, verification_reason, last_verified_at)
       SELECT id, version_id, region, arch, 'ami-' || lpad(to_hex(id), 17, '0'), lpad((100000000000 + owner_id)::text, 12, '0'),
         CASE WHEN ${U('id', 55)} < 0.98 THEN 'available' WHEN ${U('id', 55)} < 0.99 THEN 'pending' ELSE 'unavailable' END,
         CASE WHEN ${U('id', 56)} < 0.3 THEN 'verified' WHEN ${U('id', 56)} < 0.32 THEN 'failed' ELSE 'unverified' END,
         CASE WHEN ${U('id', 56)} >= 0.3 AND ${U('id', 56)} < 0.32 THEN 'image not found in this region' END,
         CASE WHEN ${U('id', 56)} < 0.32 THEN now() - make_interval(secs => ${U('id', 57)} * 2592000) END
       FROM (SELECT row_number() OVER (ORDER BY v.id, j, a.arch) AS id, v.id AS version_id, b.owner_id,
                    ${rg}[1 + (v.base + j * v.step) % ${R}] AS region, a.arch
             FROM (SELECT id, image_id,
                          CASE WHEN ${U('id', 50)} < 0.5 THEN 0 ELSE floor(${R} * ${U('id', 51)})::int END AS base,
                          (ARRAY[1, 5, 7, 11])[1 + floor(4 * ${U('id', 52)})::int] AS step,
                          1 + (${U('id', 53)} < 0.45)::int + (${U('id', 54)} < 0.15)::int AS nreg
                   FROM bench_v) v
             JOIN bench_img b ON b.i = v.image_id
             CROSS JOIN LATERAL generate_series(0, v.nreg - 1) j
             CROSS JOIN LATERAL unnest(CASE b.arch WHEN 'x' THEN ARRAY['x86_64'] WHEN 'a' THEN ARRAY['arm64']
                                       ELSE ARRAY['x86_64', 'arm64'] END) AS a(arch)) r`,
    ],
    [
      'scans',
      `INSERT INTO scans (region_image_id, scanner, status, critical, high, medium, low, informational, scanned_at)
       SELECT id, 'inspector2',
         CASE WHEN ${U('id', 60)} < 0.95 THEN 'complete' WHEN ${U('id', 60)} < 0.98 THEN 'pending' ELSE 'failed' END,
         (${U('id', 61)} < 0.05)::int * (1 + floor(3 * ${U('id', 62)}))::int,
         (${U('id', 63)} < 0.2)::int * (1 + floor(5 * ${U('id', 64)}))::int,
         floor(10 * power(${U('id', 65)}, 2))::int, floor(20 * ${U('id', 66)})::int, floor(30 * ${U('id', 67)})::int,
         now() - make_interval(secs => ${U('id', 68)} * 5184000)
       FROM image_regions WHERE ${U('id', 69)} < 0.4`,
    ],
    [
      'channels',
      `INSERT INTO channels (image_id, name, version_id)
       SELECT image_id, 'stable', max(id) FROM image_versions WHERE status <> 'revoked'
       GROUP BY image_id HAVING ${U('image_id', 70)} < 0.1`,
    ],
    [
      // What the triggers on image_regions, scans and channels write (migrations 2026120340 and
      // 2026120375: resolve_slots_source is their definition), after the scans and channels it
      // copies. The view's per-row scan and channel subqueries would each read a whole table
      // while the indexes are dropped; the same rows come from joins to each region's latest
      // complete scan and each version's channels (checked against the view once indexed).
      'resolve slots',
      `INSERT INTO resolve_slots
       SELECT d.region_id, d.version_id, d.image_id, d.template, d.region, d.architecture, d.private, d.active,
         d.verified, d.rating_avg, d.rating_count, d.download_count, sc.id, sc.top, ch.names
       FROM (SELECT r.id AS region_id, v.id AS version_id, v.image_id, i.template, r.region, r.architecture,
               i.visibility = 'private' AS private, v.status = 'active' AS active,
               r.verification_status = 'verified' AS verified, st.rating_avg, st.rating_count, st.download_count
             FROM image_regions r JOIN image_versions v ON v.id = r.version_id JOIN images i ON i.id = v.image_id
             JOIN image_stats st ON st.image_id = v.image_id
             WHERE r.state = 'available' AND v.status IN ('active', 'deprecated')) d
       LEFT JOIN (SELECT DISTINCT ON (s.region_image_id) s.region_image_id, s.id,
                    CASE WHEN s.critical > 0 THEN 4 WHEN s.high > 0 THEN 3 WHEN s.medium > 0 THEN 2
                      WHEN s.low > 0 THEN 1 WHEN s.informational > 0 THEN 0 ELSE -1 END::smallint AS top
                  FROM scans s WHERE s.status = 'complete'
                  ORDER BY s.region_image_id, s.scanned_at DESC, s.id DESC) sc ON sc.region_image_id = d.region_id
       LEFT JOIN (SELECT image_id, version_id, array_agg(name ORDER BY name) AS names FROM channels
                  GROUP BY image_id, version_id) ch ON ch.image_id = d.image_id AND ch.version_id = d.version_id`,
    ],
    [
      'ratings',
      `INSERT INTO ratings (image_id, user_id, stars, review, created_at, updated_at)
       SELECT image_id, user_id, stars, review, created_at, created_at FROM bench_r ORDER BY image_id, user_id`,
    ],
    [
      // What the trigger on images adds to the typo vocabulary (migration 2026120310's own
      // function: letters and digits of every script, 2-40 characters, as wordsOf()).
      'search vocabulary',
      `INSERT INTO search_words (word)
       SELECT DISTINCT w FROM images, search_words_of(search_doc) AS w`,
    ],
    [
      // What the trigger on images writes (migration 2026120310: the same SQL function), with the
      // rating key the trigger on image_stats keeps (triggers are off during the load).
      'search postings',
      `INSERT INTO search_postings (word, image_id, field, rating)
       SELECT p.word, i.id, p.field, search_rating_key(st.rating_avg)
       FROM images i JOIN image_stats st ON st.image_id = i.id,
            search_postings_of(i.search_doc, i.name, i.template, i.category, i.tags) p`,
    ],
    [
      // auth/tokens.ts hashToken(): hex SHA-256 of the token; prefix = first 10 characters.
      'bench tokens',
      `INSERT INTO api_tokens (user_id, name, token_hash, prefix, scopes)
       SELECT g, 'bench', encode(sha256(convert_to(tok, 'UTF8')), 'hex'), left(tok, 10), '{rate,publish}'
       FROM (SELECT g, 'cws_bench' || lpad(g::text, 35, '0') AS tok FROM generate_series(1, ${s.tokens}) g) t`,
    ],
  ];
}

/**
 * Fills an empty, migrated database. Indexes and the primary/unique keys no foreign key
 * depends on are dropped during the load and rebuilt from their own definitions afterwards
 * (one sort each instead of millions of index inserts), and foreign-key triggers are off
 * (session_replication_role = replica): the rows are consistent by construction, and
 * re-adding the keys checks uniqueness anyway.
 * @param {import('../registry-server/dist/index.js').Database} database
 * @param {Size} size
 * @param {(msg: string) => void} log
 */
export async function generate(database, size, log) {
  await database.db.connection().execute(async (db) => {
    const run = (text) => sql.raw(text).execute(db);
    const timed = async (label, fn) => {
      const t0 = performance.now();
      const note = await fn();
      log(`  ${label.padEnd(20)} ${((performance.now() - t0) / 1000).toFixed(1)} s${note ? ` (${note})` : ''}`);
    };
    const { rows: keys } = await run(`
      SELECT c.conrelid::regclass::text AS tbl, c.conname AS name, pg_get_constraintdef(c.oid) AS def
      FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
      WHERE n.nspname = current_schema() AND c.contype IN ('p', 'u')
        AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)
        AND c.conrelid::regclass::text NOT LIKE 'kysely%'`);
    const { rows: indexes } = await run(`
      SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
      FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = current_schema()
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`);
    for (const { name } of indexes) await run(`DROP INDEX ${name}`);
    for (const { tbl, name } of keys) await run(`ALTER TABLE ${tbl} DROP CONSTRAINT ${name}`);
    await run(`SET maintenance_work_mem = '256MB'`);
    try {
      await run('SET session_replication_role = replica');
    } catch {
      log('  (not a superuser: foreign keys are checked row by row, which is slower)');
    }
    for (const [label, text] of statements(size)) {
      await timed(label, async () => {
        await run(text);
      });
    }
    // The vocabulary holds every posting word (the trigger adds them; services/present.ts
    // wordsOf() splits the same way for this ASCII catalogue).
    const { rows: missing } = await run(
      `SELECT count(*)::int AS n FROM (SELECT DISTINCT word FROM search_postings) p
       WHERE NOT EXISTS (SELECT 1 FROM search_words w WHERE w.word = p.word)`,
    );
    if (missing[0].n > 0) throw new Error(`generator: ${missing[0].n} posting words are not in search_words`);
    const { rows } = await run(`SELECT max(rn)::int AS m FROM bench_r`);
    if (rows[0].m >= size.users) throw new Error('generator: a listing has more ratings than there are users');
    for (const table of ['users', 'images', 'image_versions', 'image_regions']) {
      await run(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}))`);
    }
    await run('DROP TABLE bench_desc, bench_tags, bench_img, bench_r, bench_v');
    await run('RESET session_replication_role');
    await timed('keys and indexes', async () => {
      const slow = [];
      const build = async (name, text) => {
        const t0 = performance.now();
        await run(text);
        const s = (performance.now() - t0) / 1000;
        if (s >= 2) slow.push(`${name} ${s.toFixed(1)} s`);
      };
      for (const { tbl, name, def } of keys) await build(name, `ALTER TABLE ${tbl} ADD CONSTRAINT ${name} ${def}`);
      for (const { name, def } of indexes) await build(name, def);
      return [`${keys.length} keys, ${indexes.length} indexes`, ...slow].join('; ');
    });
    // What the triggers on images, image_versions and image_regions write (migration 2026120390),
    // from its definition once the version and region indexes are back (the view's per-listing
    // aggregate reads a listing's versions and regions by index).
    await timed('listing cards', async () => {
      // Statistics first: without them the planner hashes every region row once per listing.
      await run('ANALYZE images, users, image_versions, image_regions');
      await run('INSERT INTO listing_cards SELECT * FROM listing_cards_source');
    });
    // The slots written above by joins are what the view (the triggers' definition) says.
    await timed('resolve slots check', async () => {
      const { rows: diff } = await run(`SELECT count(*)::int AS n FROM (
        (SELECT * FROM resolve_slots EXCEPT ALL SELECT * FROM resolve_slots_source)
        UNION ALL (SELECT * FROM resolve_slots_source EXCEPT ALL SELECT * FROM resolve_slots)) d`);
      if (diff[0].n > 0) throw new Error(`generator: ${diff[0].n} resolve_slots rows differ from resolve_slots_source`);
    });
    await timed('vacuum analyze', async () => {
      await run('VACUUM (ANALYZE)');
    });
  });
}
