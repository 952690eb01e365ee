import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../database.js';
import { type ResolvePolicy, resolveBest, resolveCandidates } from './resolve.js';

// The resolve fast path (index probes per class) against the straightforward query (join
// every candidate, sort, take the first) on a generated catalogue with many rank ties, for
// every policy: both must pick the same region image.

const serverUrl = process.env.DATABASE_URL || null;
let database: Database;
let drop = async () => {};

/** Deterministic PRNG (mulberry32), so a failure reproduces. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEMPLATES = ['genomics', 'python-ml', 'r-research'];
const REGIONS = ['us-east-1', 'eu-west-1'];
const ARCHES = ['x86_64', 'arm64'] as const;

async function generate() {
  const random = rng(12);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const db = database.db;
  const owners = await db
    .insertInto('users')
    .values(Array.from({ length: 5 }, (_, n) => ({ handle: `owner${n}`, role: 'user' as const })))
    .returning('id')
    .execute();
  // Few distinct rank values, so many listings tie on (rating, count, downloads).
  const images = Array.from({ length: 240 }, (_, n) => {
    const count = pick([0, 0, 1, 2, 10]);
    const avg = count === 0 ? 0 : pick([3, 4, 4.5, 5]);
    return {
      listing: {
        owner_id: pick(owners).id,
        name: `listing-${n}`,
        template: pick(TEMPLATES),
        visibility: pick(['public', 'public', 'public', 'unlisted', 'private'] as const),
        description: '',
        tags: [] as string[],
        search_doc: '',
      },
      stats: {
        rating_count: count,
        rating_sum: Math.round(avg * count),
        rating_avg: avg,
        download_count: pick([0, 0, 7, 100]),
      },
    };
  });
  const imageIds = await db
    .insertInto('images')
    .values(images.map((x) => x.listing))
    .returning('id')
    .execute();
  // The counters live in image_stats (a row per listing, made by the insert's trigger).
  for (const [n, { id }] of imageIds.entries()) {
    await db.updateTable('image_stats').set(images[n]!.stats).where('image_id', '=', id).execute();
  }
  const versions = imageIds.flatMap(({ id }) =>
    Array.from({ length: 1 + Math.floor(random() * 3) }, (_, n) => ({
      image_id: id,
      version: `1.${n}.0`,
      status: pick(['active', 'active', 'deprecated', 'revoked'] as const),
      created_by: owners[0]!.id,
    })),
  );
  const versionIds = await db.insertInto('image_versions').values(versions).returning(['id', 'image_id']).execute();
  const regions = versionIds.flatMap(({ id }) =>
    REGIONS.flatMap((region) =>
      ARCHES.filter(() => random() < 0.6).map((architecture) => ({
        version_id: id,
        region,
        architecture,
        ami_id: `ami-${randomBytes(8).toString('hex')}`,
        state: pick(['available', 'available', 'available', 'pending', 'unavailable'] as const),
        verification_status: pick(['verified', 'unverified', 'unverified', 'failed'] as const),
      })),
    ),
  );
  const regionIds = await db.insertInto('image_regions').values(regions).returning('id').execute();
  // 0-2 scans per region image; the latest decides (an older clean scan must not count).
  const scans = regionIds.flatMap(({ id }) =>
    Array.from({ length: Math.floor(random() * 3) }, (_, n) => ({
      region_image_id: id,
      scanner: 'inspector2',
      status: pick(['complete', 'complete', 'pending', 'failed'] as const),
      critical: pick([0, 0, 0, 1]),
      high: pick([0, 0, 2]),
      medium: pick([0, 3]),
      low: pick([0, 5]),
      informational: pick([0, 1]),
      scanned_at: new Date(Date.UTC(2026, 10, 1 + n)),
      top_findings: sql<Array<{ severity: string; title: string }>>`'[]'::jsonb`,
    })),
  );
  const scanIds = await db.insertInto('scans').values(scans).returning('id').execute();
  // Finding rows for the counts above medium of most scans (a few keep counts without rows, as
  // scans stored before findings were: they must never pass on their counts), and exceptions
  // accepting some of them: per listing, registry-wide, expired, and revoked ones.
  const VULNS = Array.from({ length: 6 }, (_, n) => `CVE-2026-${1000 + n}`);
  const findings = scans.flatMap((scan, n) =>
    random() < 0.15
      ? []
      : (['critical', 'high', 'medium'] as const).flatMap((severity) =>
          Array.from({ length: scan[severity] }, () => ({
            scan_id: scanIds[n]!.id,
            vulnerability_id: pick(VULNS),
            severity,
            severity_rank: { critical: 4, high: 3, medium: 2 }[severity],
            title: `${severity} finding`,
            fix_available: false,
          })),
        ),
  );
  await db.insertInto('scan_findings').values(findings).execute();
  const day = 86_400_000;
  const exceptions = [
    { image_id: null, vulnerability_id: VULNS[0]!, expires_at: new Date(Date.now() + day), revoked_at: null },
    { image_id: null, vulnerability_id: VULNS[1]!, expires_at: new Date(Date.now() - day), revoked_at: null },
    { image_id: null, vulnerability_id: VULNS[2]!, expires_at: new Date(Date.now() + day), revoked_at: new Date() },
    ...imageIds
      .filter(() => random() < 0.5)
      .map(({ id }) => ({
        image_id: id,
        vulnerability_id: pick(VULNS.slice(3)),
        expires_at: new Date(Date.now() + (random() < 0.8 ? day : -day)),
        revoked_at: null,
      })),
  ];
  await db
    .insertInto('vulnerability_exceptions')
    .values(exceptions.map((e) => ({ ...e, reason: 'test', created_by: owners[0]!.id })))
    .execute();
  const channels = versionIds
    .filter(() => random() < 0.3)
    .map(({ id, image_id }) => ({ image_id, version_id: id, name: pick(['stable', 'beta']) }));
  const seen = new Set<string>();
  const unique = channels.filter((c) => {
    const key = `${c.image_id}/${c.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  await db.insertInto('channels').values(unique).execute();
}

beforeAll(async () => {
  if (serverUrl) {
    const name = `cws_test_resolve_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    database = await createDatabase({ kind: 'postgres', url: url.toString(), poolMax: 3 });
    drop = async () => {
      const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await sql.end();
    };
  } else {
    database = await createDatabase({ kind: 'pglite', dataDir: null });
  }
  await database.migrate();
  await generate();
});
afterAll(async () => {
  await database?.close();
  await drop();
});

function policies(): ResolvePolicy[] {
  const extras: Array<Partial<ResolvePolicy>> = [
    {},
    { minRating: 3 },
    { minRating: 4.5 },
    { minRating: 5 },
    { verifiedOnly: true },
    { maxSeverityRank: 0 },
    { maxSeverityRank: 2 },
    { maxSeverityRank: 3 },
    { maxSeverityRank: 4 },
    { channel: 'stable' },
    { channel: 'beta' },
    { channel: 'nightly' },
    { minRating: 4, verifiedOnly: true },
    { verifiedOnly: true, maxSeverityRank: 3, channel: 'stable' },
    { minRating: 3, maxSeverityRank: 2 },
    { maxSeverityRank: 2, allowUnscanned: true },
    { maxSeverityRank: 3, allowUnscanned: true },
    { maxSeverityRank: 0, allowUnscanned: true, verifiedOnly: true },
    { maxSeverityRank: 3, allowUnscanned: false, channel: 'beta' },
  ];
  return TEMPLATES.flatMap((template) =>
    REGIONS.flatMap((region) =>
      ARCHES.flatMap((architecture) => extras.map((extra) => ({ template, region, architecture, ...extra }))),
    ),
  );
}

describe('resolve fast path', () => {
  it('picks the same image as the straightforward query for every policy', async () => {
    let found = 0;
    let tiesBroken = 0;
    for (const policy of policies()) {
      const reference = await resolveCandidates(database.db, policy, 2, true);
      const fast = await resolveBest(database.db, policy);
      const label = JSON.stringify(policy);
      expect(fast?.ami_id ?? null, label).toBe(reference[0]?.ami_id ?? null);
      if (fast) {
        found++;
        expect(fast, label).toEqual(reference[0]);
        const [a, b] = reference;
        if (b && a!.status === b.status && a!.rating_avg === b.rating_avg && a!.rating_count === b.rating_count)
          tiesBroken++;
      }
    }
    // The catalogue exercises both hits and misses, and rank ties decided by the version.
    expect(found).toBeGreaterThan(60);
    expect(found).toBeLessThan(policies().length);
    expect(tiesBroken).toBeGreaterThan(5);
  });

  it('has answers that exceptions and allow_unscanned decide (so the comparison covers them)', async () => {
    // The generated catalogue must exercise what the policy options decide, or the comparison above
    // proves nothing about them: some answers pass only because exceptions accept their findings
    // above the rank, and allow_unscanned changes some answers.
    let acceptedMatters = 0;
    let unscannedMatters = 0;
    for (const policy of policies().filter((p) => p.maxSeverityRank !== undefined && p.maxSeverityRank < 4)) {
      const withRows = await resolveBest(database.db, policy);
      const open = await resolveBest(database.db, { ...policy, allowUnscanned: !policy.allowUnscanned });
      if ((open?.ami_id ?? null) !== (withRows?.ami_id ?? null)) unscannedMatters++;
      if (withRows && withRows.scan_status === 'complete') {
        const above = (['informational', 'low', 'medium', 'high', 'critical'] as const)
          .slice(policy.maxSeverityRank! + 1)
          .some((c) => Number(withRows[c] ?? 0) > 0);
        if (above) acceptedMatters++;
      }
    }
    expect(acceptedMatters).toBeGreaterThan(0);
    expect(unscannedMatters).toBeGreaterThan(0);
  });
});
