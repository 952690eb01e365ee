interface Entry<V> {
  value: V;
  expires: number;
  bytes: number;
  storedAt: number;
}

/**
 * An LRU bounded in bytes, with per-entry expiry. A Map keeps insertion order and
 * re-inserting moves a key last, so the first key is the least recently used. Sizes are the
 * caller's estimate (the cache passes the JSON length); entries larger than `maxEntryBytes`
 * are not kept at all, so one huge answer cannot push out everything else.
 */
export class Lru<V> {
  #map = new Map<string, Entry<V>>();
  #bytes = 0;
  constructor(
    readonly maxBytes: number,
    readonly maxEntryBytes: number = Math.max(1, Math.floor(maxBytes / 16)),
  ) {}

  get(key: string, now = Date.now()): V | undefined {
    return this.entry(key, now)?.value;
  }

  /** The entry with the time it was stored (the cache trusts young entries during a Redis outage). */
  entry(key: string, now = Date.now()): { value: V; storedAt: number } | undefined {
    const entry = this.#map.get(key);
    if (!entry) return undefined;
    this.#map.delete(key);
    if (entry.expires <= now) {
      this.#bytes -= entry.bytes;
      return undefined;
    }
    this.#map.set(key, entry);
    return entry;
  }

  /** Stores value; false when it is too large to keep. */
  set(key: string, value: V, ttlMs: number, bytes: number, now = Date.now()): boolean {
    this.delete(key);
    if (bytes > this.maxEntryBytes || ttlMs <= 0) return false;
    this.#map.set(key, { value, expires: now + ttlMs, bytes, storedAt: now });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#map) {
      if (this.#bytes <= this.maxBytes) break;
      this.#map.delete(oldest);
      this.#bytes -= entry.bytes;
    }
    return true;
  }

  delete(key: string): void {
    const entry = this.#map.get(key);
    if (!entry) return;
    this.#map.delete(key);
    this.#bytes -= entry.bytes;
  }

  /** Drops expired entries (run on a timer: entries nobody asks for again would otherwise stay). */
  sweep(now = Date.now()): number {
    let dropped = 0;
    for (const [key, entry] of this.#map) {
      if (entry.expires <= now) {
        this.#map.delete(key);
        this.#bytes -= entry.bytes;
        dropped += 1;
      }
    }
    return dropped;
  }

  clear(): void {
    this.#map.clear();
    this.#bytes = 0;
  }

  get size(): number {
    return this.#map.size;
  }

  get bytes(): number {
    return this.#bytes;
  }
}
