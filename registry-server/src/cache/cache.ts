import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { CacheSettings } from '../config/config.js';
import type { Metrics } from '../metrics.js';
import { Lru } from './lru.js';
import type { RedisLink } from './redis.js';

/** How often each replica reads the shared generation from Redis. */
export const HEARTBEAT_MS = 250;
/** Without a successful read this recent, a replica no longer trusts what it has cached. */
export const CONTACT_MS = 1000;
/** Out of contact, a local entry younger than this may still be served (writes it missed are younger). */
export const YOUNG_MS = 1000;

/**
 * One atomic step on the shared generation: a hash {epoch, n}. When Redis lost it (a restart,
 * a flush, a failover to an empty replica) the first caller plants a new random epoch, so every
 * replica sees a different epoch (not a smaller number it would ignore) and drops what it holds.
 * ARGV[1]: the epoch to plant if there is none; ARGV[2]: 1 to bump (a write), 0 to read.
 */
const GENERATION_SCRIPT = `
local e = redis.call('HGET', KEYS[1], 'epoch')
if not e then
  redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'n', 0)
  e = ARGV[1]
end
local n = redis.call('HINCRBY', KEYS[1], 'n', tonumber(ARGV[2]))
return {e, n}
`;

export interface WrapOptions {
  /**
   * false: keep the answer in this process only, never in Redis. For anything authorisation
   * rests on (principals): whoever can write to Redis must not be able to mint an admin.
   */
  shared?: boolean;
}

/**
 * Read-through cache in two tiers: an in-process LRU (bounded in bytes) in front of Redis.
 *
 * Invalidation is by generation: keys carry (epoch, n, local writes), and any write bumps n
 * in Redis and PUBLISHes it so other replicas drop their local tier at once. Writes are rare
 * next to reads, so dropping everything is cheaper and safer than tracking what a write touched.
 *
 * Correctness never rests on Redis remembering anything:
 * - the epoch changes whenever Redis lost the generation, and every replica adopts it within a
 *   heartbeat (HEARTBEAT_MS), so a Redis restart cannot leave replicas ignoring new writes;
 * - a replica that has not read the generation for CONTACT_MS (Redis away, or cut off from it)
 *   stops trusting its cache, except entries younger than YOUNG_MS, so it never serves an answer
 *   much older than the last thing it was told;
 * - a write made while Redis was away is owed: the bump is retried until Redis takes it;
 * - the local write counter keeps this replica's own writes visible at once, Redis or not.
 */
export class Cache {
  #epoch = '';
  #gen = 0;
  #writes = 0;
  /** Local writes already announced through Redis. */
  #announced = 0;
  #contactAt = 0;
  #beating = false;
  #timers: NodeJS.Timeout[] = [];
  #local: Lru<unknown>;
  #inflight = new Map<string, Promise<unknown>>();
  readonly enabled: boolean;
  readonly #ttlMs: number;
  readonly #localTtlMs: number;
  readonly #maxEntryBytes: number;
  readonly #channel: string;
  readonly #genKey: string;

  constructor(
    settings: CacheSettings,
    private readonly redis: RedisLink | null,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
    this.enabled = settings.ttlSeconds > 0;
    this.#ttlMs = settings.ttlSeconds * 1000;
    this.#localTtlMs = redis ? Math.min(this.#ttlMs, 5000) : this.#ttlMs;
    this.#maxEntryBytes = settings.maxEntryBytes;
    this.#local = new Lru(settings.maxBytes, settings.maxEntryBytes);
    this.#channel = `${redis?.prefix ?? ''}invalidate`;
    this.#genKey = `${redis?.prefix ?? ''}generation`;
  }

  async start(): Promise<void> {
    const sweep = setInterval(() => this.#local.sweep(), 10_000);
    sweep.unref();
    this.#timers.push(sweep);
    if (!this.redis) return;
    const { subscriber } = this.redis;
    subscriber.on('message', (channel, message) => {
      if (channel !== this.#channel) return;
      const [epoch, n] = message.split(':');
      // Only bumps within the epoch we know: an epoch change comes from the script, never a message.
      if (epoch === this.#epoch) this.#adopt(epoch, Number(n));
    });
    try {
      await subscriber.subscribe(this.#channel);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not subscribe to cache invalidations yet');
    }
    await this.#beat();
    const beat = setInterval(() => void this.#beat(), HEARTBEAT_MS);
    beat.unref();
    this.#timers.push(beat);
  }

  stop(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
  }

  /** What keys are stamped with now; changes on every invalidation this replica knows of. */
  get generation(): string {
    return `${this.#epoch}.${this.#gen}.${this.#writes}`;
  }

  /** Bytes and entries held in this process (metrics, tests). */
  get localUsage(): { bytes: number; entries: number } {
    return { bytes: this.#local.bytes, entries: this.#local.size };
  }

  /** The cached value for key, or what load() returns (stored for next time). One load per key at a time. */
  async wrap<T>(key: string, load: () => Promise<T>, opts: WrapOptions = {}): Promise<T> {
    if (!this.enabled) return load();
    const now = Date.now();
    const inContact = this.#inContact(now);
    const localKey = `${this.generation}:${key}`;
    const local = this.#local.entry(localKey, now);
    if (local !== undefined && (inContact || now - local.storedAt < YOUNG_MS)) {
      this.metrics.cacheRequests.inc({ tier: 'local', result: 'hit' });
      return local.value as T;
    }
    this.metrics.cacheRequests.inc({ tier: 'local', result: 'miss' });
    const pending = this.#inflight.get(localKey);
    if (pending) return pending as Promise<T>;
    const useRedis = inContact && opts.shared !== false;
    const promise = this.#fill(localKey, key, load, useRedis).finally(() => this.#inflight.delete(localKey));
    this.#inflight.set(localKey, promise);
    return promise;
  }

  async #fill<T>(localKey: string, key: string, load: () => Promise<T>, useRedis: boolean): Promise<T> {
    const redisKey = `${this.redis?.prefix ?? ''}c:${this.#epoch}:${this.#gen}:${key}`;
    const redis = useRedis && this.redis?.up ? this.redis : null;
    if (redis) {
      try {
        const hit = await redis.client.get(redisKey);
        this.metrics.cacheRequests.inc({ tier: 'redis', result: hit === null ? 'miss' : 'hit' });
        if (hit !== null) {
          const value = JSON.parse(hit) as T;
          if (localKey === `${this.generation}:${key}`) this.#local.set(localKey, value, this.#localTtlMs, hit.length);
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
    const json = JSON.stringify(value);
    if (json === undefined || json.length > this.#maxEntryBytes) return value;
    this.#local.set(localKey, value, this.#localTtlMs, json.length);
    if (redis?.up) {
      redis.client.set(redisKey, json, 'PX', this.#ttlMs).catch((err) => this.#degraded(err));
    }
    return value;
  }

  /** Drops every cached answer on every replica. Never throws: a write must not fail on the cache. */
  async invalidate(reason = 'write'): Promise<void> {
    this.#writes += 1;
    this.#local.clear();
    if (!this.redis) return;
    await this.#step(true);
    this.logger.debug({ reason, generation: this.generation }, 'cache invalidated');
  }

  async #beat(): Promise<void> {
    if (this.#beating) return;
    this.#beating = true;
    try {
      // A write this replica made while Redis was away is announced now.
      await this.#step(this.#announced < this.#writes);
    } finally {
      this.#beating = false;
    }
  }

  /** Reads (or bumps) the shared generation and adopts it. */
  async #step(bump: boolean): Promise<void> {
    const redis = this.redis;
    if (!redis?.up) return;
    const covering = this.#writes;
    const sentAt = Date.now();
    try {
      const reply = (await redis.client.eval(
        GENERATION_SCRIPT,
        1,
        this.#genKey,
        randomBytes(6).toString('hex'),
        bump ? 1 : 0,
      )) as [string, number];
      const [epoch, n] = reply;
      this.#adopt(String(epoch), Number(n));
      this.#contactAt = Math.max(this.#contactAt, sentAt);
      if (bump) {
        this.#announced = Math.max(this.#announced, covering);
        await redis.client.publish(this.#channel, `${epoch}:${n}`);
      }
    } catch (err) {
      this.#degraded(err);
    }
  }

  #inContact(now: number): boolean {
    return !this.redis || now - this.#contactAt < CONTACT_MS;
  }

  #adopt(epoch: string, n: number) {
    if (!Number.isFinite(n)) return;
    if (epoch !== this.#epoch) {
      if (this.#epoch) this.logger.info({ epoch }, 'cache epoch changed (Redis lost the generation); cache dropped');
      this.#epoch = epoch;
      this.#gen = n;
      this.#local.clear();
      return;
    }
    if (n <= this.#gen) return;
    this.#gen = n;
    this.#local.clear();
  }

  #degraded(err: unknown) {
    this.logger.debug({ err: (err as Error).message }, 'cache tier unavailable; continuing without it');
  }
}
