import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import {
  downUrl,
  type FakeRegistry,
  failingRegistry,
  garbageRegistry,
  rateLimitedRegistry,
  slowRegistry,
  wrongShapeRegistry,
} from './fake-registries.js';
import { assertBuilt, cws, type Sandbox, sandbox } from './run-cws.js';
import { addRegistry, importIndex, writeTemplate } from './seed.js';

/**
 * Registries in priority order and every way one can fail. No AWS here: a registry always answers in the end, and
 * the template has no image search.
 */
const COMMUNITY_EAST = 'ami-0c0c0c0c0c0c0c0c1';
const COMMUNITY_WEST = 'ami-0c0c0c0c0c0c0c0c2';
const CAMPUS_EAST = 'ami-0d0d0d0d0d0d0d0d1';
const TEMPLATE = `name: reg-lab
description: registry tests
ami_config:
  strategy: ami_required
setup_script: echo hi
`;

let community: TestRegistry;
let campus: TestRegistry;
let box: Sandbox;
const fakes: FakeRegistry[] = [];

beforeAll(async () => {
  assertBuilt();
  [community, campus] = await Promise.all([startRegistry(), startRegistry()]);
  await importIndex(community, {
    'reg-lab': {
      'reg-lab-community': {
        version: '2.1.0',
        creator: 'carol',
        regions: { 'us-east-1': COMMUNITY_EAST, 'us-west-2': COMMUNITY_WEST },
      },
    },
  });
  await importIndex(campus, {
    'reg-lab': { 'reg-lab-campus': { version: '1.0.0', creator: 'it-team', regions: { 'us-east-1': CAMPUS_EAST } } },
  });
});
afterAll(async () => {
  await Promise.all([community?.close(), campus?.close(), ...fakes.map((f) => f.close())]);
});

async function freshBox(env: Record<string, string> = {}) {
  box = sandbox({ AWS_REGION: 'us-east-1', ...env });
  writeTemplate(box, 'reg-lab', TEMPLATE);
}
afterEach(() => box?.cleanup());

const resolve = (...flags: string[]) => cws(['ami', 'resolve', 'reg-lab', '--json', ...flags], { env: box.env });
type Entry = { tier: string; name?: string; outcome: string; detail: string; ms: number };
const registryEntries = (json: { fallback_chain: Entry[] }) => json.fallback_chain.filter((e) => e.tier === 'registry');

describe('two registries in priority order', () => {
  it('the private registry (lower priority number) shadows the community one', async () => {
    await freshBox();
    await addRegistry(box, 'community', community.url, '--priority', '100');
    await addRegistry(box, 'campus', campus.url, '--priority', '10');
    const r = await resolve();
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({
      ami_id: CAMPUS_EAST,
      source: { name: 'campus', listing: 'it-team/reg-lab-campus' },
    });
    expect(registryEntries(r.json).map((e) => [e.name, e.outcome])).toEqual([['campus', 'selected']]);
  });

  it('falls through to the community registry where the private one has nothing', async () => {
    await freshBox();
    await addRegistry(box, 'community', community.url, '--priority', '100');
    await addRegistry(box, 'campus', campus.url, '--priority', '10');
    const r = await resolve('--region', 'us-west-2');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.ami_id).toBe(COMMUNITY_WEST);
    expect(registryEntries(r.json).map((e) => [e.name, e.outcome])).toEqual([
      ['campus', 'not_found'],
      ['community', 'selected'],
    ]);
  });

  it('swapping priorities swaps the winner', async () => {
    await freshBox();
    await addRegistry(box, 'community', community.url, '--priority', '1');
    await addRegistry(box, 'campus', campus.url, '--priority', '10');
    const r = await resolve();
    expect(r.json.ami_id).toBe(COMMUNITY_EAST);
  });
});

describe('a broken registry is skipped with the reason in the chain', () => {
  async function withBroken(url: string, ...flags: string[]) {
    await freshBox();
    await addRegistry(box, 'broken', url, '--priority', '1', ...flags);
    await addRegistry(box, 'community', community.url, '--priority', '100');
    const r = await resolve();
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.ami_id).toBe(COMMUNITY_EAST);
    const [broken, good] = registryEntries(r.json);
    expect(broken).toMatchObject({ name: 'broken', outcome: 'error' });
    expect(good).toMatchObject({ name: 'community', outcome: 'selected' });
    expect(r.json.warning).toMatch(/registry broken skipped/);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    return { r, broken: broken as Entry };
  }

  it('down (connection refused)', async () => {
    const { broken } = await withBroken(await downUrl());
    expect(broken.detail).toMatch(/unreachable \(connection refused/);
  });

  it('slow: skipped after its timeout (default 2 s), never a hang', async () => {
    const slow = await slowRegistry();
    fakes.push(slow);
    const { r, broken } = await withBroken(slow.url);
    expect(broken.detail).toMatch(/timed out .*2000 ms/);
    expect(broken.ms).toBeGreaterThanOrEqual(1900);
    expect(broken.ms).toBeLessThan(3500);
    expect(r.ms).toBeLessThan(12000); // generous: the whole run, on a loaded machine
    // a slow registry is not asked twice for the resolution; the revocation check is its own POST
    expect(slow.hits.filter((h) => h.method === 'GET')).toHaveLength(1);
    expect(slow.hits.filter((h) => h.method === 'POST').map((h) => h.url)).toEqual(['/api/v1/amis/status']);
  });

  it('slow with its own shorter timeout', async () => {
    const slow = await slowRegistry();
    fakes.push(slow);
    const { broken } = await withBroken(slow.url, '--timeout', '0.5');
    expect(broken.detail).toMatch(/500 ms/);
    expect(broken.ms).toBeLessThan(1500);
  });

  it('500: retried once, then skipped', async () => {
    const failing = await failingRegistry();
    fakes.push(failing);
    const { broken } = await withBroken(failing.url);
    expect(broken.detail).toMatch(/HTTP 500 internal: database on fire/);
    expect(failing.hits.filter((h) => h.method === 'GET')).toHaveLength(2);
  });

  it('garbage: HTML where JSON belongs', async () => {
    const garbage = await garbageRegistry();
    fakes.push(garbage);
    const { broken } = await withBroken(garbage.url);
    expect(broken.detail).toMatch(/bad response \(answer is not JSON/);
  });

  it('garbage: JSON of the wrong shape', async () => {
    const wrong = await wrongShapeRegistry();
    fakes.push(wrong);
    const { broken } = await withBroken(wrong.url);
    expect(broken.detail).toMatch(/does not match the cws API/);
  });

  it('429: waits for Retry-After once, then skips', async () => {
    const limited = await rateLimitedRegistry(1);
    fakes.push(limited);
    const { broken } = await withBroken(limited.url);
    expect(broken.detail).toMatch(/rate limited \(429\), retry after 1 s/);
    expect(limited.hits.filter((h) => h.method === 'GET')).toHaveLength(2);
    expect(broken.ms).toBeGreaterThanOrEqual(900);
  });

  it('every registry failing and no cache: ami_required exits 5 with both reasons', async () => {
    await freshBox();
    const failing = await failingRegistry();
    fakes.push(failing);
    await addRegistry(box, 'a', await downUrl());
    await addRegistry(box, 'b', failing.url);
    const r = await resolve();
    expect(r.code).toBe(5);
    const entries = r.json.error.fallback_chain.filter((e: Entry) => e.tier === 'registry');
    expect(entries.map((e: Entry) => e.outcome)).toEqual(['error', 'error']);
  });
});

describe('the resolution cache', () => {
  it('always asks the registry; when it is down, a cached answer within the TTL stands in, marked stale', async () => {
    const own = await startRegistry();
    await importIndex(own, {
      'reg-lab': {
        'reg-lab-own': { version: '3.0.0', creator: 'dave', regions: { 'us-east-1': 'ami-0e0e0e0e0e0e0e0e1' } },
      },
    });
    try {
      await freshBox();
      await addRegistry(box, 'own', own.url);
      const first = await resolve();
      expect(first.code, first.stderr).toBe(0);
      expect(first.json.source.cached).toBeUndefined();

      // Asked again, not served from the cache: a revocation would show at once.
      const second = await resolve();
      expect(second.json.ami_id).toBe('ami-0e0e0e0e0e0e0e0e1');
      expect(second.json.source.cached).toBeUndefined();

      const bypass = await resolve('--no-cache');
      expect(bypass.json.source.cached).toBeUndefined();
    } finally {
      await own.close();
    }
    // Registry gone: the last answer (within the default TTL) is used, and said to be stale.
    const stale = await cws(['ami', 'resolve', 'reg-lab', '--json'], { env: box.env });
    expect(stale.code, stale.stderr).toBe(0);
    expect(stale.json).toMatchObject({
      ami_id: 'ami-0e0e0e0e0e0e0e0e1',
      stale: true,
      source: { cached: true, stale: true },
    });
    expect(stale.json.warning).toMatch(/stale cached answer from own/);
    const entries = registryEntries(stale.json);
    expect(entries.map((e) => e.outcome)).toEqual(['error', 'selected']);
    expect(entries[1]?.detail).toMatch(/stale/);

    // Older than the TTL, it is not used.
    const expired = await cws(['ami', 'resolve', 'reg-lab', '--json', '--strategy', 'ami_required'], {
      env: { ...box.env, CWS_CACHE_TTL: '0' },
    });
    expect(expired.code).toBe(5);

    // Without the cache there is nothing to fall back on.
    const none = await cws(['ami', 'resolve', 'reg-lab', '--json', '--no-cache'], { env: box.env });
    expect(none.code).toBe(5);
  });
});
