import type { Logger } from 'pino';
import type { RedisLink } from '../cache/redis.js';
import type { VerificationService } from '../services/verification.js';

/** The first pass runs this soon after start, so restarts more frequent than the interval do not skip it. */
const FIRST_PASS_MS = 60_000;

/**
 * Re-verifies every active version in-process, every `intervalSeconds`. With Redis, replicas
 * take turns through a lock that lasts most of an interval; without it each replica runs its
 * own pass (the checks are idempotent, only the EC2 calls are repeated).
 */
export class VerificationScheduler {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;

  constructor(
    private readonly verification: VerificationService,
    private readonly intervalSeconds: number,
    private readonly redis: RedisLink | null,
    private readonly logger: Logger,
  ) {}

  start(firstPassMs = FIRST_PASS_MS): void {
    if (this.intervalSeconds <= 0 || this.#timer) return;
    const tick = (delay: number) => {
      this.#timer = setTimeout(() => {
        if (!this.#running) {
          this.#running = this.runOnce().finally(() => {
            this.#running = null;
          });
        }
        tick(this.intervalSeconds * 1000);
      }, delay);
      this.#timer.unref();
    };
    tick(Math.min(firstPassMs, this.intervalSeconds * 1000));
  }

  /** One pass, unless another replica holds the turn. */
  async runOnce(): Promise<void> {
    if (!(await this.#takeTurn())) return;
    const started = Date.now();
    try {
      const versions = await this.verification.verifyAll();
      this.logger.info({ versions, ms: Date.now() - started }, 'scheduled re-verification done');
    } catch (err) {
      this.logger.error({ err }, 'scheduled re-verification failed');
    }
  }

  async #takeTurn(): Promise<boolean> {
    if (!this.redis?.up) return true;
    try {
      const ttl = Math.max(1000, Math.floor(this.intervalSeconds * 900));
      return (await this.redis.client.set(`${this.redis.prefix}verify-pass`, '1', 'PX', ttl, 'NX')) === 'OK';
    } catch {
      return true;
    }
  }

  async stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }
}
