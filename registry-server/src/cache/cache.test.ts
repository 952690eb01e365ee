import { describe, expect, it } from 'vitest';
import { cacheSettings } from '../config/config.js';
import { createLogger } from '../logger.js';
import { createMetrics } from '../metrics.js';
import { CACHE_NAMESPACES, Cache, type CacheKey } from './cache.js';

/** A local-only cache with one entry per namespace; returns which namespaces reloaded after `write`. */
async function reloadedAfter(write: (cache: Cache) => Promise<void>): Promise<string[]> {
  const cache = new Cache(cacheSettings(60, 8), null, createLogger('silent'), createMetrics());
  const loads: string[] = [];
  const read = (ns: string) => cache.wrap(`${ns}:k` as CacheKey, async () => loads.push(ns));
  for (const ns of CACHE_NAMESPACES) await read(ns);
  loads.length = 0;
  await write(cache);
  for (const ns of CACHE_NAMESPACES) await read(ns);
  return loads.sort();
}

describe('Cache invalidation by namespace', () => {
  it('a write that names what it touches drops those namespaces only', async () => {
    expect(await reloadedAfter((c) => c.invalidate('rating', { touches: ['listing', 'search'] }))).toEqual([
      'listing',
      'search',
    ]);
  });

  it('a write that names what it spares drops everything else', async () => {
    expect(await reloadedAfter((c) => c.invalidate('launch', { spare: ['resolve', 'auth'] }))).toEqual(
      CACHE_NAMESPACES.filter((ns) => ns !== 'resolve' && ns !== 'auth').sort(),
    );
  });

  it('a write that names nothing drops every namespace', async () => {
    expect(await reloadedAfter((c) => c.invalidate('publish'))).toEqual([...CACHE_NAMESPACES].sort());
  });
});
