import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const MB = 1024 * 1024;

/**
 * Many anonymous searches, each a different cache key with a large answer (as unique cursors or
 * filters make them): the in-process cache must stay within its byte bound and the heap with it.
 */
describe('memory under many unique large queries', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry({
      // The default bound (CWS_REGISTRY_CACHE_MAX_MB=32).
      config: { cache: { ttlSeconds: 60, maxBytes: 32 * MB, maxEntryBytes: 512 * 1024 } },
    });
    const alice = await createUser(reg, 'alice');
    for (let i = 0; i < 40; i++) {
      await publish(
        reg,
        alice,
        publishBody(`big-${i}`, { description: `${'lorem ipsum dolor sit amet '.repeat(100)}${i}` }),
      );
    }
  });
  afterAll(async () => {
    await reg?.close();
  });

  it('keeps the cache within its byte bound and the heap bounded', async () => {
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    const sample = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 20);
    let answered = 0;
    let next = 0;
    const N = 1000;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (next < N) {
          const i = next++;
          const res = await fetch(
            `${reg.url}/api/v1/listings?limit=100&min_rating=0&sort=name&q=lorem&owner=alice&verified=false&category=machine-learning&template=python-ml&region=us-east-1&architecture=x86_64&cursor=${Buffer.from(JSON.stringify({ id: i, value: '' })).toString('base64url')}`,
          );
          await res.arrayBuffer();
          if (res.status === 200) answered += 1;
        }
      }),
    );
    clearInterval(sample);
    const usage = reg.server.ctx.cache.localUsage;
    console.log(
      `memory test: ${N} unique queries, ${answered} answered; cache ${(usage.bytes / MB).toFixed(1)} MB in ${usage.entries} entries; heap baseline ${(baseline / MB).toFixed(0)} MB, peak ${(peak / MB).toFixed(0)} MB`,
    );
    expect(answered).toBe(N);
    expect(usage.bytes).toBeLessThanOrEqual(32 * MB);
    expect(usage.entries).toBeGreaterThan(0);
    // Unbounded, these answers (~130 MB of JSON) would be kept whole: several times this.
    expect(peak - baseline).toBeLessThan(300 * MB);
  });
});
