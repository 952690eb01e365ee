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
 * One atomic step on the shared generation: a hash {epoch, n, s:<namespace>...}. n counts the
 * bumps (a replica's concurrent writes that spare the same namespaces share one); s:<ns> counts
 * the bumps that spared namespace ns (a rating spares resolve answers), so the generation of ns
 * is n - s:ns. When Redis lost the hash (a restart, a flush, a failover to an empty replica)
 * the first caller plants a new random epoch, so every replica sees a different epoch (not a
 * smaller number it would ignore) and drops what it holds. A bump is PUBLISHed from the script
 * itself: one round trip per bump.
 * ARGV[1]: the epoch to plant if there is none; ARGV[2]: 1 to bump (a write), 0 to read;
 * ARGV[3]: the channel a bump is announced on; ARGV[4..]: namespaces the write spares.
 * Returns {epoch, n, "ns=s,ns=s"}.
 */
const GENERATION_SCRIPT = `
local e = redis.call('HGET', KEYS[1], 'epoch')
if not e then
  redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'n', 0)
  e = ARGV[1]
end
local bump = tonumber(ARGV[2])
for i = 4, #ARGV do
  redis.call('HINCRBY', KEYS[1], 's:' .. ARGV[i], bump)
end
local n = redis.call('HINCRBY', KEYS[1], 'n', bump)
local all = redis.call('HGETALL', KEYS[1])
local spared = {}
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 2) == 's:' then
    table.insert(spared, string.sub(all[i], 3) .. '=' .. all[i + 1])
  end
end
local s = table.concat(spared, ',')
if bump > 0 then
  redis.call('PUBLISH', ARGV[3], e .. ':' .. n .. ':' .. s)
end
return {e, n, s}
`;

/** The script as a command of the Redis client (ioredis sends EVALSHA, and the text only once). */
type GenerationClient = {
  cwsGeneration(key: string, ...args: Array<string | number>): Promise<[string, number, string]>;
};

/**
 * Every namespace of cached answers: a key's prefix before its first colon. A write names the
 * namespaces it changes (`touches`) and the others keep what they hold.
 */
export const CACHE_NAMESPACES = ['auth', 'resolve', 'search', 'community', 'listing', 'ami-status', 'web'] as const;
export type CacheNamespace = (typeof CACHE_NAMESPACES)[number];
/** A cache key: `<namespace>:<anything>`. */
export type CacheKey = `${CacheNamespace}:${string}`;

/** A cache key's namespace: what comes before its first colon (`resolve:...` -> resolve). */
function namespaceOf(key: string): string {
  const colon = key.indexOf(':');
  return colon < 0 ? key : key.slice(0, colon);
}

function parseSpared(text: string | undefined): Map<string, number> {
  const spared = new Map<string, number>();
  for (const pair of (text ?? '').split(',')) {
    const eq = pair.lastIndexOf('=');
    if (eq <= 0) continue;
    const n = Number(pair.slice(eq + 1));
    if (Number.isFinite(n)) spared.set(pair.slice(0, eq), n);
  }
  return spared;
}

export interface InvalidateOptions {
  /**
   * The namespaces this write changes: their answers are dropped, every other namespace is
   * spared. Unset: every namespace except those `spare` names.
   */
  touches?: readonly CacheNamespace[];
  /**
   * Namespaces (key prefixes such as `resolve`) whose cached answers this write leaves alone:
   * they may show the state before it until their TTL. Everything else is dropped.
   */
  spare?: readonly string[];
}

export interface WrapOptions {
  /**
   * false: keep the answer in this process only, never in Redis. For anything authorisation
   * rests on (principals): whoever can write to Redis must not be able to mint an admin.
   */
  shared?: boolean;
}

/** A key to peek() at, with its stamped form as of the last change (see Cache.peek). */
export class CacheProbe {
  localKey = '';
  changes = -1;
  constructor(readonly key: CacheKey) {}
}

/**
 * Read-through cache in two tiers: an in-process LRU (bounded in bytes) in front of Redis.
 *
 * Invalidation is by generation: keys carry (epoch, n, local writes) of their namespace, and a
 * write bumps n in Redis and PUBLISHes it so other replicas stop using what they hold at once.
 * A write drops the namespaces it names as touched (or every namespace but those it spares):
 * a rating spares resolve answers (their ranking may lag by up to the TTL), so steady rating
 * traffic does not turn every resolve into a database query, and background verification and
 * scan results leave token lookups (and what they cannot change) alone. A write that names
 * nothing drops everything.
 *
 * Correctness never rests on Redis remembering anything:
 * - the epoch changes whenever Redis lost the generation, and every replica adopts it within a
 *   heartbeat (HEARTBEAT_MS), so a Redis restart cannot leave replicas ignoring new writes;
 * - a replica that has not read the generation for CONTACT_MS (Redis away, or cut off from it)
 *   stops trusting its cache, except entries younger than YOUNG_MS, so it never serves an answer
 *   much older than the last thing it was told;
 * - a write made while Redis was away is owed: the bump is retried until Redis takes it (only
 *   then: a heartbeat never re-announces a write whose own bump is still on its way, which would
 *   spare nothing and empty every replica's cache, resolve answers included);
 * - the local write counter keeps this replica's own writes visible at once, Redis or not.
 */
export class Cache {
  #epoch = '';
  #gen = 0;
  /** Per namespace: shared writes (of #gen) that spared it. */
  #spared = new Map<string, number>();
  #writes = 0;
  /** Per namespace: local writes (of #writes) that spared it. */
  #localSpared = new Map<string, number>();
  /** Local writes that Redis has not been told of (it was away, or the bump failed). */
  #owed = 0;
  /**
   * Bumps waiting for the one in flight, by the namespaces they spare: the writes that arrive
   * while a bump is on its way to Redis share the next one (one round trip for many writes).
   */
  #queued = new Map<string, { spare: string[]; writes: number; done: Promise<void>; resolve: () => void }>();
  #bumping = false;
  #contactAt = 0;
  #beating = false;
  #timers: NodeJS.Timeout[] = [];
  #local: Lru<unknown>;
  /** Counts every change of what stamps are made of (epoch, generation, writes, spared counts). */
  #changes = 0;
  /** The stamp of each namespace as of #changes: built once per change, not per lookup. */
  #stamps = new Map<string, string>();
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
    redis?.client.defineCommand('cwsGeneration', { numberOfKeys: 1, lua: GENERATION_SCRIPT });
  }

  async start(): Promise<void> {
    const sweep = setInterval(() => this.#local.sweep(), 10_000);
    sweep.unref();
    this.#timers.push(sweep);
    if (!this.redis) return;
    const { subscriber } = this.redis;
    subscriber.on('message', (channel, message) => {
      if (channel !== this.#channel) return;
      const [epoch, n, spared] = message.split(':');
      // Only bumps within the epoch we know: an epoch change comes from the script, never a message.
      if (epoch === this.#epoch) this.#adopt(epoch, Number(n), parseSpared(spared));
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

  /** The stamp of one namespace: changes on every invalidation that did not spare it. */
  #stamp(ns: string): string {
    let stamp = this.#stamps.get(ns);
    if (stamp === undefined) {
      stamp = `${this.#epoch}.${this.#shared(ns)}.${this.#writes - (this.#localSpared.get(ns) ?? 0)}`;
      this.#stamps.set(ns, stamp);
    }
    return stamp;
  }

  /** What a stamp is made of changed: every stamp is built again on its next use. */
  #changed(): void {
    this.#changes += 1;
    this.#stamps.clear();
  }

  /**
   * The value wrap(probe.key) would answer from this process's tier without loading anything,
   * counted as wrap() counts a local hit; undefined, counting nothing, when wrap() would have
   * to go further (a miss, an expired entry, out of contact with Redis and not young): the
   * caller then calls wrap(), which counts and fills as usual. The probe keeps the key with
   * its stamp until a write or a new generation changes the stamps.
   */
  peek(probe: CacheProbe): unknown {
    if (!this.enabled) return undefined;
    if (probe.changes !== this.#changes) {
      probe.localKey = `${this.#stamp(namespaceOf(probe.key))}:${probe.key}`;
      probe.changes = this.#changes;
    }
    const now = Date.now();
    const local = this.#local.entry(probe.localKey, now);
    if (local === undefined || !(this.#inContact(now) || now - local.storedAt < YOUNG_MS)) return undefined;
    this.metrics.cacheRequests.inc({ tier: 'local', result: 'hit' });
    return local.value;
  }

  #shared(ns: string): number {
    return this.#gen - (this.#spared.get(ns) ?? 0);
  }

  /** Bytes and entries held in this process (metrics, tests). */
  get localUsage(): { bytes: number; entries: number } {
    return { bytes: this.#local.bytes, entries: this.#local.size };
  }

  /** The cached value for key, or what load() returns (stored for next time). One load per key at a time. */
  async wrap<T>(key: CacheKey, load: () => Promise<T>, opts: WrapOptions = {}): Promise<T> {
    if (!this.enabled) return load();
    const now = Date.now();
    const inContact = this.#inContact(now);
    const ns = namespaceOf(key);
    const localKey = `${this.#stamp(ns)}:${key}`;
    const local = this.#local.entry(localKey, now);
    if (local !== undefined && (inContact || now - local.storedAt < YOUNG_MS)) {
      this.metrics.cacheRequests.inc({ tier: 'local', result: 'hit' });
      return local.value as T;
    }
    this.metrics.cacheRequests.inc({ tier: 'local', result: 'miss' });
    const pending = this.#inflight.get(localKey);
    if (pending) return pending as Promise<T>;
    const useRedis = inContact && opts.shared !== false;
    // What lives in this process only keeps the whole TTL here: there is no shared copy to
    // refill it from cheaply, and writes that change it drop it through the generation anyway.
    const localTtlMs = opts.shared === false ? this.#ttlMs : this.#localTtlMs;
    const promise = this.#fill(ns, localKey, key, load, useRedis, localTtlMs).finally(() =>
      this.#inflight.delete(localKey),
    );
    this.#inflight.set(localKey, promise);
    return promise;
  }

  async #fill<T>(
    ns: string,
    localKey: string,
    key: string,
    load: () => Promise<T>,
    useRedis: boolean,
    localTtlMs: number,
  ): Promise<T> {
    const redisKey = `${this.redis?.prefix ?? ''}c:${this.#epoch}:${this.#shared(ns)}:${key}`;
    const redis = useRedis && this.redis?.up ? this.redis : null;
    if (redis) {
      try {
        const hit = await redis.client.get(redisKey);
        this.metrics.cacheRequests.inc({ tier: 'redis', result: hit === null ? 'miss' : 'hit' });
        if (hit !== null) {
          const value = JSON.parse(hit) as T;
          if (localKey === `${this.#stamp(ns)}:${key}`) this.#local.set(localKey, value, localTtlMs, hit.length);
          return value;
        }
      } catch (err) {
        this.#degraded(err);
      }
    }
    const before = this.#stamp(ns);
    const value = await load();
    // A write that landed while we loaded makes this value suspect: hand it out, don't keep it.
    if (before !== this.#stamp(ns)) return value;
    const json = JSON.stringify(value);
    if (json === undefined || json.length > this.#maxEntryBytes) return value;
    this.#local.set(localKey, value, localTtlMs, json.length);
    if (redis?.up) {
      redis.client.set(redisKey, json, 'PX', this.#ttlMs).catch((err) => this.#degraded(err));
    }
    return value;
  }

  /**
   * Drops cached answers on every replica: those of the namespaces `opts.touches` names, or
   * (without it) of every namespace except those `opts.spare` names. Resolves once Redis was
   * told (or could not be: then the bump is owed and the heartbeat retries it).
   * Never throws: a write must not fail on the cache.
   */
  async invalidate(reason = 'write', opts: InvalidateOptions = {}): Promise<void> {
    const touched = opts.touches;
    const spare = [
      ...new Set([...(opts.spare ?? []), ...(touched ? CACHE_NAMESPACES.filter((ns) => !touched.includes(ns)) : [])]),
    ].sort();
    this.#writes += 1;
    for (const ns of spare) this.#localSpared.set(ns, (this.#localSpared.get(ns) ?? 0) + 1);
    this.#changed();
    // Entries under the old stamps are unreachable now; the sweep and the LRU reclaim them.
    if (spare.length === 0) this.#local.clear();
    if (!this.redis) return;
    await this.#announce(spare);
    this.logger.debug({ reason, generation: this.generation }, 'cache invalidated');
  }

  /** Queues a bump sparing `spare`; the writes queued while one bump is in flight share the next. */
  #announce(spare: string[]): Promise<void> {
    const key = spare.join(',');
    let entry = this.#queued.get(key);
    if (!entry) {
      let resolve!: () => void;
      const done = new Promise<void>((r) => {
        resolve = r;
      });
      entry = { spare, writes: 0, done, resolve };
      this.#queued.set(key, entry);
    }
    entry.writes += 1;
    if (!this.#bumping) void this.#drain();
    return entry.done;
  }

  async #drain(): Promise<void> {
    this.#bumping = true;
    try {
      while (this.#queued.size > 0) {
        const batch = [...this.#queued.values()];
        this.#queued.clear();
        for (const entry of batch) {
          if (!(await this.#step(true, entry.spare))) this.#owed += entry.writes;
          entry.resolve();
        }
      }
    } finally {
      this.#bumping = false;
    }
  }

  async #beat(): Promise<void> {
    if (this.#beating) return;
    this.#beating = true;
    try {
      // A write this replica made while Redis was away is announced now. It spares nothing:
      // the replicas cannot know what it touched.
      const owed = this.#owed;
      if (await this.#step(owed > 0)) this.#owed -= owed;
    } finally {
      this.#beating = false;
    }
  }

  /** Reads (or bumps) the shared generation and adopts it; false when Redis did not take it. */
  async #step(bump: boolean, spare: string[] = []): Promise<boolean> {
    const redis = this.redis;
    if (!redis?.up) return false;
    const sentAt = Date.now();
    try {
      const [epoch, n, spared] = await (redis.client as unknown as GenerationClient).cwsGeneration(
        this.#genKey,
        randomBytes(6).toString('hex'),
        bump ? 1 : 0,
        this.#channel,
        ...(bump ? spare : []),
      );
      this.#adopt(String(epoch), Number(n), parseSpared(spared));
      this.#contactAt = Math.max(this.#contactAt, sentAt);
      return true;
    } catch (err) {
      this.#degraded(err);
      return false;
    }
  }

  #inContact(now: number): boolean {
    return !this.redis || now - this.#contactAt < CONTACT_MS;
  }

  #adopt(epoch: string, n: number, spared: Map<string, number>) {
    if (!Number.isFinite(n)) return;
    if (epoch !== this.#epoch) {
      this.#changed();
      if (this.#epoch) this.logger.info({ epoch }, 'cache epoch changed (Redis lost the generation); cache dropped');
      this.#epoch = epoch;
      this.#gen = n;
      this.#spared = spared;
      this.#local.clear();
      return;
    }
    if (n <= this.#gen) return;
    // Stamps move with n (minus what spared each namespace): entries under old stamps are
    // unreachable from now on, so only a bump that spared nothing empties the local tier.
    const sparedSome = [...spared].some(([ns, s]) => s > (this.#spared.get(ns) ?? 0));
    this.#changed();
    this.#gen = n;
    for (const [ns, s] of spared) if (s > (this.#spared.get(ns) ?? 0)) this.#spared.set(ns, s);
    if (!sparedSome) this.#local.clear();
  }

  #degraded(err: unknown) {
    this.logger.debug({ err: (err as Error).message }, 'cache tier unavailable; continuing without it');
  }
}
