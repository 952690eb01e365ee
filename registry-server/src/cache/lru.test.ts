import { describe, expect, it } from 'vitest';
import { Lru } from './lru.js';

describe('Lru', () => {
  it('expires entries and evicts the least recently used', () => {
    const lru = new Lru<number>(2, 1);
    lru.set('a', 1, 1000, 1, 0);
    lru.set('b', 2, 1000, 1, 0);
    expect(lru.get('a', 10)).toBe(1);
    lru.set('c', 3, 1000, 1, 10);
    expect(lru.get('b', 10)).toBeUndefined();
    expect(lru.get('a', 10)).toBe(1);
    expect(lru.get('a', 1001)).toBeUndefined();
  });

  it('is bounded in bytes, not entries, and refuses entries larger than its per-entry bound', () => {
    const lru = new Lru<string>(1000, 400);
    for (let i = 0; i < 10; i++) lru.set(`k${i}`, 'x', 60_000, 300, 0);
    expect(lru.bytes).toBeLessThanOrEqual(1000);
    expect(lru.size).toBe(3);
    expect(lru.get('k9', 1)).toBe('x');
    expect(lru.get('k0', 1)).toBeUndefined();
    expect(lru.set('huge', 'y', 60_000, 401, 0)).toBe(false);
    expect(lru.get('huge', 1)).toBeUndefined();
    expect(lru.bytes).toBeLessThanOrEqual(1000);
  });

  it('drops expired entries nobody asks for again when swept, and accounts their bytes', () => {
    const lru = new Lru<number>(10_000, 100);
    for (let i = 0; i < 50; i++) lru.set(`old${i}`, i, 100, 10, 0);
    lru.set('young', 1, 10_000, 10, 0);
    expect(lru.bytes).toBe(510);
    expect(lru.sweep(200)).toBe(50);
    expect(lru.size).toBe(1);
    expect(lru.bytes).toBe(10);
    // Replacing a key does not count it twice.
    lru.set('young', 2, 10_000, 20, 300);
    expect(lru.bytes).toBe(20);
  });
});
