import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisLink } from './redis.js';

export type LimitKind = 'read' | 'write';
export type LimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Per token (or per IP) limits on reads and writes, counted in Redis so every replica
 * shares them; while Redis is away each process counts alone (insurance limiter), so
 * limits hold approximately and requests never fail because Redis did.
 */
export class RateLimiter {
  #limiters = new Map<LimitKind, RateLimiterMemory | RateLimiterRedis>();

  constructor(limits: { readPerMinute: number; writePerMinute: number }, redis: RedisLink | null) {
    const perKind: Array<[LimitKind, number]> = [
      ['read', limits.readPerMinute],
      ['write', limits.writePerMinute],
    ];
    for (const [kind, points] of perKind) {
      if (points <= 0) continue;
      const memory = new RateLimiterMemory({ points, duration: 60, keyPrefix: `rl-${kind}` });
      this.#limiters.set(
        kind,
        redis
          ? new RateLimiterRedis({
              storeClient: redis.client,
              points,
              duration: 60,
              keyPrefix: `${redis.prefix}rl:${kind}`,
              rejectIfRedisNotReady: true,
              insuranceLimiter: memory,
            })
          : memory,
      );
    }
  }

  async consume(kind: LimitKind, key: string): Promise<LimitDecision> {
    const limiter = this.#limiters.get(kind);
    if (!limiter) return { allowed: true };
    try {
      await limiter.consume(key);
      return { allowed: true };
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
      }
      // Neither Redis nor the insurance limiter answered: let the request through.
      return { allowed: true };
    }
  }
}
