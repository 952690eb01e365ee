import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';

/**
 * The Redis connections of one server: commands and a subscriber. Redis is an accelerator:
 * commands fail fast while it is away (no offline queue), callers degrade, and the
 * connection keeps retrying in the background. `onReconnect` lets the cache resync.
 */
export class RedisLink {
  readonly client: Redis;
  readonly subscriber: Redis;
  #up = false;
  #everUp = false;
  #reconnectHandlers: Array<() => void> = [];

  /**
   * ioredis is loaded here, when Redis is configured: a registry without it (the embedded
   * default) starts without loading it (~0.1-0.2 s of CPU).
   */
  static async create(url: string, prefix: string, logger: Logger, metrics: Metrics): Promise<RedisLink> {
    const { Redis } = await import('ioredis');
    return new RedisLink(Redis, url, prefix, logger, metrics);
  }

  private constructor(
    Redis: typeof import('ioredis').Redis,
    url: string,
    readonly prefix: string,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
    const options = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 500,
      connectTimeout: 2000,
      lazyConnect: true,
      retryStrategy: (times: number) => Math.min(100 * times, 2000),
    };
    this.client = new Redis(url, options);
    // The subscriber needs the offline queue: SUBSCRIBE is re-sent after reconnecting.
    this.subscriber = new Redis(url, { ...options, enableOfflineQueue: true, commandTimeout: undefined });
    this.client.on('ready', () => this.#ready());
    this.client.on('error', (err) => this.#down(err));
    this.client.on('end', () => this.#down(new Error('connection closed')));
    this.subscriber.on('error', () => {});
  }

  async connect(): Promise<void> {
    // A registry must start even when Redis is down; it degrades and reconnects later.
    await Promise.allSettled([this.client.connect(), this.subscriber.connect()]);
  }

  get up(): boolean {
    return this.#up;
  }

  onReconnect(fn: () => void): void {
    this.#reconnectHandlers.push(fn);
  }

  #ready() {
    const wasEverUp = this.#everUp;
    this.#up = true;
    this.#everUp = true;
    this.metrics.redisUp.set(1);
    if (wasEverUp) {
      this.logger.info('redis is back; resyncing the cache');
      for (const fn of this.#reconnectHandlers) fn();
    }
  }

  #down(err: Error) {
    if (this.#up)
      this.logger.warn({ err: err.message }, 'redis is unreachable; serving from the database and local cache');
    this.#up = false;
    this.metrics.redisUp.set(0);
  }

  async close(): Promise<void> {
    this.client.disconnect();
    this.subscriber.disconnect();
  }
}
