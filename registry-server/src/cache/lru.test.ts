import { describe, expect, it } from 'vitest';
import { Lru } from './lru.js';

describe('Lru', () => {
  it('expires entries and evicts the least recently used', () => {
    const lru = new Lru<number>(2);
    lru.set('a', 1, 1000, 0);
    lru.set('b', 2, 1000, 0);
    expect(lru.get('a', 10)).toBe(1);
    lru.set('c', 3, 1000, 10);
    expect(lru.get('b', 10)).toBeUndefined();
    expect(lru.get('a', 10)).toBe(1);
    expect(lru.get('a', 1001)).toBeUndefined();
  });
});
