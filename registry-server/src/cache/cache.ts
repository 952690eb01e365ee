import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import { Lru } from './lru.js';
import type { RedisLink } from './redis.js';

/**
 * Read-through cache in two tiers: an in-process LRU in front of Redis (when configured).
 *
 * Invalidation is by generation: every key carries the current generation number, and any
 * write bumps it (INCR in Redis, then PUBLISH so other replicas drop their local tier at
 * once). Writes are rare next to reads, so dropping everything is cheaper and safer than
 * tracking which keys a write touched. Local entries also expire after a few seconds so a
 * lost message cannot keep a replica stale for long. A local epoch, bumped by every write
 * this process makes, keeps the local tier right while Redis is away; it never reaches
 * Redis keys, so replicas cannot mistake each other's entries.
 */
export class Cache {
  /** Last generation known from Redis (stays 0 without Redis). */
  #gen = 0;
  /** Bumped by each local invalidation. */
  #epoch = 0;
  #local = new Lru<unknown>(20_000);
  #inflight = new Map<string, Promise<unknown>>();
  readonly enabled: boolean;
  readonly #ttlMs: number;
  readonly #localTtlMs: number;
  readonly #channel: string;
  readonly #genKey: string;

  constructor(
    ttlSeconds: number,
    private readonly redis: RedisLink | null,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
    this.enabled = ttlSeconds > 0;
    this.#ttlMs = ttlSeconds * 1000;
    this.#localTtlMs = redis ? Math.min(this.#ttlMs, 5000) : this.#ttlMs;
    this.#channel = `${redis?.prefix ?? ''}invalidate`;
    this.#genKey = `${redis?.prefix ?? ''}gen`;
  }

  async start(): Promise<void> {
    if (!this.redis) return;
    const { subscriber } = this.redis;
    subscriber.on('message', (channel, message) => {
      if (channel === this.#channel) this.#adopt(Number(message));
    });
    try {
      await subscriber.subscribe(this.#channel);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not subscribe to cache invalidations yet');
    }
    await this.#sync();
    // After an outage nobody heard the writes made meanwhile: bump once so every replica drops its copy.
    this.redis.onReconnect(() => void this.invalidate('redis reconnected'));
  }

  get generation(): string {
    return `${this.#gen}.${this.#epoch}`;
  }

  /** The cached value for key, or what load() returns (stored for next time). One load per key at a time. */
  async wrap<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (!this.enabled) return load();
    const genKey = `${this.#gen}.${this.#epoch}:${key}`;
    const local = this.#local.get(genKey);
    if (local !== undefined) {
      this.metrics.cacheRequests.inc({ tier: 'local', result: 'hit' });
      return local as T;
    }
    this.metrics.cacheRequests.inc({ tier: 'local', result: 'miss' });
    const pending = this.#inflight.get(genKey);
    if (pending) return pending as Promise<T>;
    const promise = this.#fill(genKey, `${this.#gen}:${key}`, load).finally(() => this.#inflight.delete(genKey));
    this.#inflight.set(genKey, promise);
    return promise;
  }

  async #fill<T>(genKey: string, sharedKey: string, load: () => Promise<T>): Promise<T> {
    const redisKey = `${this.redis?.prefix ?? ''}c:${sharedKey}`;
    if (this.redis?.up) {
      try {
        const hit = await this.redis.client.get(redisKey);
        this.metrics.cacheRequests.inc({ tier: 'redis', result: hit === null ? 'miss' : 'hit' });
        if (hit !== null) {
          const value = JSON.parse(hit) as T;
          this.#local.set(genKey, value, this.#localTtlMs);
          return value;
        }
      } catch (err) {
        this.#degraded(err);
      }
    }
    const before = this.generation;
    const value = await load();
    // A write that landed while we loaded makes this value suspect: hand it out, don't keep it.
    if (before !== this.generation) return value;
    this.#local.set(genKey, value, this.#localTtlMs);
    if (this.redis?.up) {
      this.redis.client.set(redisKey, JSON.stringify(value), 'PX', this.#ttlMs).catch((err) => this.#degraded(err));
    }
    return value;
  }

  /** Drops every cached answer on every replica. Never throws: a write must not fail on the cache. */
  async invalidate(reason = 'write'): Promise<void> {
    this.#epoch += 1;
    this.#local.clear();
    if (!this.redis?.up) return;
    try {
      const gen = await this.redis.client.incr(this.#genKey);
      this.#adopt(gen);
      await this.redis.client.publish(this.#channel, String(gen));
    } catch (err) {
      this.#degraded(err);
    }
    this.logger.debug({ reason, gen: this.#gen }, 'cache invalidated');
  }

  async #sync() {
    if (!this.redis?.up) return;
    try {
      const value = await this.redis.client.get(this.#genKey);
      this.#adopt(Number(value ?? 0));
    } catch (err) {
      this.#degraded(err);
    }
  }

  #adopt(gen: number) {
    if (!Number.isFinite(gen) || gen <= this.#gen) return;
    this.#gen = gen;
    this.#local.clear();
  }

  #degraded(err: unknown) {
    this.logger.debug({ err: (err as Error).message }, 'cache tier unavailable; continuing without it');
  }
}
