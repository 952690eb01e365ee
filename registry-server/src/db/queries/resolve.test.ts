import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../../../test/helpers/registry.js';
import { acceptedByScan } from '../../services/scan-policy.js';
import type { Database } from '../database.js';
import { type ResolvePolicy, resolveBest, resolveCandidates, resolveHit } from './resolve.js';
import { revokedAncestors } from './trust.js';
import { type AccessScope, ANONYMOUS } from './visibility.js';

// The resolve fast path (index probes per class) against the straightforward query (join
// every candidate, sort, take the first) on a generated catalogue with many rank ties, for
// every policy: both must pick the same region image.

let database: Database;
let close = async () => {};
/** The viewer who owns the private listing `mine-private`. */
let ownerScope: AccessScope;

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
  // Lineage: a third of the versions were saved from another region image (parent_ami), so
  // chains form, some through revoked versions, some of them two or more generations up.
  const allRegions = await db.selectFrom('image_regions').select(['ami_id', 'version_id']).execute();
  for (const { id } of versionIds) {
    if (random() >= 0.35) continue;
    const parent = pick(allRegions);
    if (parent.version_id === id) continue;
    await db.updateTable('image_versions').set({ parent_ami: parent.ami_id }).where('id', '=', id).execute();
  }
  // A private listing of owner0 outranking everything, for the viewer's own probe.
  const mine = await insertListing(
    {
      owner_id: owners[0]!.id,
      created_by: owners[0]!.id,
      name: 'mine-private',
      template: 'genomics',
      visibility: 'private',
    },
    { rating_count: 50, rating_sum: 250, rating_avg: 5, download_count: 1000 },
    'active',
  );
  await db
    .insertInto('image_regions')
    .values(
      ARCHES.map((architecture) => ({
        version_id: mine.versionId,
        region: 'us-east-1',
        architecture,
        ami_id: `ami-${randomBytes(8).toString('hex')}`,
        state: 'available' as const,
        verification_status: architecture === 'x86_64' ? ('verified' as const) : ('unverified' as const),
      })),
    )
    .execute();
  ownerScope = { ...ANONYMOUS, userId: owners[0]!.id, key: `u${owners[0]!.id}:l:m:a` };
  await policyMix(owners[1]!.id);
}

/** A listing with its counters and one version 1.0.0 (by the listing's owner): their ids. */
async function insertListing(
  listing: {
    owner_id: number;
    created_by?: number;
    name: string;
    template: string;
    visibility: 'public' | 'private';
  },
  stats: { rating_count: number; rating_sum: number; rating_avg: number; download_count?: number },
  status: 'active' | 'deprecated',
) {
  const db = database.db;
  const [image] = await db
    .insertInto('images')
    .values({ ...listing, description: '', tags: [], search_doc: '' })
    .returning('id')
    .execute();
  await db.updateTable('image_stats').set(stats).where('image_id', '=', image!.id).execute();
  const [version] = await db
    .insertInto('image_versions')
    .values({ image_id: image!.id, version: '1.0.0', status, created_by: listing.owner_id })
    .returning('id')
    .execute();
  return { imageId: image!.id, versionId: version!.id };
}

/**
 * A template whose answers each policy option changes to another image (us-east-1/x86_64):
 * no policy: `best-but-low` (active, verified, rated 3, a high finding); min_rating 4 or
 * channel stable or block above medium with allow_unscanned: `unverified-top` (active,
 * unverified, rated 5, unscanned, on channel stable); verified_only with min_rating 4, or block
 * above medium: `old-clean` (deprecated, verified, rated 4.5, a clean scan).
 */
const MIX = 'policy-mix';
async function policyMix(ownerId: number) {
  const db = database.db;
  const listings = [
    { name: 'best-but-low', avg: 3, status: 'active', verified: 'verified', scan: { high: 1 }, channel: null },
    { name: 'unverified-top', avg: 5, status: 'active', verified: 'unverified', scan: null, channel: 'stable' },
    { name: 'old-clean', avg: 4.5, status: 'deprecated', verified: 'verified', scan: { high: 0 }, channel: null },
  ] as const;
  for (const l of listings) {
    const { imageId, versionId } = await insertListing(
      { owner_id: ownerId, name: l.name, template: MIX, visibility: 'public' },
      { rating_count: 4, rating_sum: l.avg * 4, rating_avg: l.avg },
      l.status,
    );
    const [region] = await db
      .insertInto('image_regions')
      .values({
        version_id: versionId,
        region: 'us-east-1',
        architecture: 'x86_64',
        ami_id: `ami-${randomBytes(8).toString('hex')}`,
        state: 'available',
        verification_status: l.verified,
      })
      .returning('id')
      .execute();
    if (l.scan) {
      const [scan] = await db
        .insertInto('scans')
        .values({
          region_image_id: region!.id,
          scanner: 'inspector2',
          status: 'complete',
          critical: 0,
          high: l.scan.high,
          medium: 1,
          low: 0,
          informational: 0,
          scanned_at: new Date(Date.UTC(2026, 10, 5)),
          top_findings: sql<Array<{ severity: string; title: string }>>`'[]'::jsonb`,
        })
        .returning('id')
        .execute();
      if (l.scan.high > 0) {
        await db
          .insertInto('scan_findings')
          .values({
            scan_id: scan!.id,
            vulnerability_id: 'CVE-2026-9999',
            severity: 'high',
            severity_rank: 3,
            title: 'high finding',
            fix_available: false,
          })
          .execute();
      }
    }
    if (l.channel) {
      await db.insertInto('channels').values({ image_id: imageId, version_id: versionId, name: l.channel }).execute();
    }
  }
}

beforeAll(async () => {
  ({ database, close } = await migratedDatabase());
  await generate();
});
afterAll(() => close());

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
  // And every combination of the options (each policy alone and together).
  for (const minRating of [undefined, 4]) {
    for (const verifiedOnly of [undefined, true]) {
      for (const severity of [
        {},
        { maxSeverityRank: 0 },
        { maxSeverityRank: 2, allowUnscanned: true },
        { maxSeverityRank: 3 },
      ]) {
        for (const channel of [undefined, 'stable']) extras.push({ minRating, verifiedOnly, ...severity, channel });
      }
    }
  }
  return [...TEMPLATES, MIX].flatMap((template) =>
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

describe('resolve fast path, beyond the ranking', () => {
  it('answers a viewer with private listings as the straightforward query does', async () => {
    let mine = 0;
    for (const policy of policies().filter((_, n) => n % 2 === 0)) {
      const reference = await resolveCandidates(database.db, policy, 1, true, ownerScope);
      const fast = await resolveBest(database.db, policy, ownerScope);
      expect(fast, JSON.stringify(policy)).toEqual(reference[0]);
      if (fast?.name === 'mine-private') mine++;
      // Nobody else sees it.
      expect((await resolveBest(database.db, policy))?.name).not.toBe('mine-private');
    }
    expect(mine).toBeGreaterThan(2);
  });

  it('brings the nearest revoked ancestor and the accepted findings of the answer along', async () => {
    const db = database.db;
    const zero = { critical: 0, high: 0, medium: 0, low: 0, informational: 0 };
    // Some answers two generations below a revoked version: answer <- middle (not revoked) <- revoked.
    const answers = new Set<number>();
    for (const policy of policies().slice(0, 40)) {
      const hit = await resolveBest(db, policy);
      if (hit) answers.add(hit.version_id);
    }
    const [revoked] = await db
      .selectFrom('image_versions as v')
      .innerJoin('image_regions as r', 'r.version_id', 'v.id')
      .select(['r.ami_id', 'v.id'])
      .where('v.status', '=', 'revoked')
      .orderBy('v.id')
      .limit(1)
      .execute();
    const middle = await db
      .selectFrom('image_versions as v')
      .innerJoin('image_regions as r', 'r.version_id', 'v.id')
      .select(['r.ami_id', 'v.id', 'v.parent_ami'])
      .where('v.status', '<>', 'revoked')
      .where('v.id', 'not in', [...answers])
      .orderBy('v.id')
      .limit(1)
      .executeTakeFirstOrThrow();
    const changed = await db
      .selectFrom('image_versions')
      .select(['id', 'parent_ami'])
      .where('id', 'in', [...answers].slice(0, 3))
      .execute();
    await db.updateTable('image_versions').set({ parent_ami: revoked!.ami_id }).where('id', '=', middle.id).execute();
    await db
      .updateTable('image_versions')
      .set({ parent_ami: middle.ami_id })
      .where(
        'id',
        'in',
        changed.map((c) => c.id),
      )
      .execute();
    let ancestors = 0;
    let deep = 0;
    let accepted = 0;
    try {
      for (const policy of policies().filter((_, n) => n % 2 === 1)) {
        const hit = await resolveHit(db, policy, ANONYMOUS, { accepted: true });
        if (!hit) continue;
        const label = JSON.stringify(policy);
        const reference = await revokedAncestors(db, [hit.row.version_id]);
        expect(hit.ancestor, label).toEqual(reference.get(hit.row.version_id) ?? null);
        if (hit.ancestor) ancestors++;
        if ((hit.ancestor?.depth ?? 0) > 1) deep++;
        const byScan = await acceptedByScan(db, [hit.row]);
        const expected = hit.row.scan_status === 'complete' ? (byScan.get(Number(hit.row.scan_id)) ?? zero) : null;
        if (expected) expect(hit.accepted, label).toEqual(expected);
        if (expected && Object.values(expected).some((n) => n > 0)) accepted++;
        // Without asking, no counts come along (and the row is the same).
        const plain = await resolveHit(db, policy);
        expect(plain?.accepted, label).toBeNull();
        expect(plain?.row, label).toEqual(hit.row);
      }
    } finally {
      await db
        .updateTable('image_versions')
        .set({ parent_ami: middle.parent_ami })
        .where('id', '=', middle.id)
        .execute();
      for (const c of changed) {
        await db.updateTable('image_versions').set({ parent_ami: c.parent_ami }).where('id', '=', c.id).execute();
      }
    }
    expect(ancestors).toBeGreaterThan(deep);
    expect(deep).toBeGreaterThan(0);
    expect(accepted).toBeGreaterThan(0);
  });

  it('has answers that each policy decides (another image, not only a miss)', async () => {
    // Each option changes an answer to another image, so the comparisons above show that the fast
    // path applies it (policy-mix is built for that; see policyMix).
    const base = { template: MIX, region: 'us-east-1', architecture: 'x86_64' } as const;
    const answer = async (extra: Partial<ResolvePolicy>) =>
      (await resolveBest(database.db, { ...base, ...extra }))?.name;
    expect(await answer({})).toBe('best-but-low');
    expect(await answer({ minRating: 4 })).toBe('unverified-top');
    expect(await answer({ verifiedOnly: true })).toBe('best-but-low');
    expect(await answer({ verifiedOnly: true, minRating: 4 })).toBe('old-clean');
    expect(await answer({ maxSeverityRank: 2 })).toBe('old-clean');
    expect(await answer({ maxSeverityRank: 2, allowUnscanned: true })).toBe('unverified-top');
    expect(await answer({ maxSeverityRank: 3 })).toBe('best-but-low');
    expect(await answer({ channel: 'stable' })).toBe('unverified-top');
    expect(await answer({ channel: 'stable', verifiedOnly: true })).toBeUndefined();
    expect(await answer({ minRating: 5, verifiedOnly: true })).toBeUndefined();
    expect(await answer({ architecture: 'arm64' })).toBeUndefined();
    // An exception accepting the finding lets the best one through again (and expires with it).
    const [finding] = await database.db
      .selectFrom('scan_findings')
      .select('vulnerability_id')
      .where('vulnerability_id', '=', 'CVE-2026-9999')
      .execute();
    expect(finding).toBeDefined();
    const owner = await database.db
      .selectFrom('users')
      .select('id')
      .where('handle', '=', 'owner0')
      .executeTakeFirstOrThrow();
    const [exception] = await database.db
      .insertInto('vulnerability_exceptions')
      .values({
        image_id: null,
        vulnerability_id: 'CVE-2026-9999',
        expires_at: new Date(Date.now() + 86_400_000),
        revoked_at: null,
        reason: 'test',
        created_by: owner.id,
      })
      .returning('id')
      .execute();
    try {
      expect(await answer({ maxSeverityRank: 2 })).toBe('best-but-low');
    } finally {
      await database.db.deleteFrom('vulnerability_exceptions').where('id', '=', exception!.id).execute();
    }
    expect(await answer({ maxSeverityRank: 2 })).toBe('old-clean');
  });
});
