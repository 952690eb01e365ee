import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Principal } from '../auth/tokens.js';
import type { Database } from '../db/database.js';
import { firstDownloadsToday, pruneDownloadIdentities } from '../db/queries/launches.js';
import { addDownloads } from '../db/queries/listings.js';

/** Client addresses hashed recently: a resolve is answered from the cache in ~0.2 ms, a SHA-256 costs a few us of it. */
const hashedIps = new Map<string, string>();
const HASHED_IPS_MAX = 10_000;

/** Who a download or launch is counted for: the token's user, else (a hash of) the client address. */
export function identityOf(principal: Principal | null, ip: string | undefined): string {
  if (principal) return `user:${principal.userId}`;
  const address = ip ?? 'unknown';
  let identity = hashedIps.get(address);
  if (identity === undefined) {
    identity = `ip:${createHash('sha256').update(address).digest('hex').slice(0, 32)}`;
    // Bounded: many distinct clients start it over rather than grow it.
    if (hashedIps.size >= HASHED_IPS_MAX) hashedIps.clear();
    hashedIps.set(address, identity);
  }
  return identity;
}

/** The UTC day of ms as YYYY-MM-DD; the string of the day last asked for is kept (every resolve asks). */
let lastDay = { index: Number.NaN, text: '' };
function utcDay(ms: number): string {
  const index = Math.floor(ms / 86_400_000);
  if (index !== lastDay.index) lastDay = { index, text: new Date(ms).toISOString().slice(0, 10) };
  return lastDay.text;
}
/** Identities are kept this many days (only today's matter for counting). */
const KEEP_DAYS = 3;

/**
 * Downloads count distinct identities per listing per day. Resolves are buffered in memory
 * (a resolve must not pay for a write) and written every few seconds: the database decides,
 * by a primary key on (listing, day, identity), which are new, so the count is exact across
 * replicas; at most one interval of counts is lost if a process is killed.
 */
export class DownloadCounter {
  /** `${imageId} ${identity} ${day}` -> version id */
  #pending = new Map<string, { imageId: number; versionId: number; identity: string; day: string }>();
  #prunedDay = '';
  #inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  count(imageId: number, versionId: number, identity: string): void {
    const day = utcDay(this.now());
    this.#pending.set(`${imageId} ${identity} ${day}`, { imageId, versionId, identity, day });
  }

  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Writes what is pending. Flushes run one after another, so when the returned promise settles
   * everything counted before the call is written, also what a timed flush was still writing.
   */
  flush(): Promise<void> {
    const run = this.#inFlight.then(() => this.#write());
    this.#inFlight = run.catch(() => {});
    return run;
  }

  async #write(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending.values()];
    this.#pending = new Map();
    try {
      await this.database.transaction(async (trx) => {
        const images = new Map<number, number>();
        const versions = new Map<number, number>();
        for (const day of new Set(batch.map((b) => b.day))) {
          const ofDay = batch.filter((b) => b.day === day);
          const fresh = await firstDownloadsToday(
            trx,
            ofDay.map((b) => ({ image_id: b.imageId, identity: b.identity })),
            day,
          );
          for (const f of fresh) {
            const b = ofDay.find((x) => x.imageId === Number(f.image_id) && x.identity === f.identity)!;
            images.set(b.imageId, (images.get(b.imageId) ?? 0) + 1);
            versions.set(b.versionId, (versions.get(b.versionId) ?? 0) + 1);
          }
        }
        await addDownloads(trx, images, versions);
      });
      const today = utcDay(this.now());
      if (this.#prunedDay !== today) {
        this.#prunedDay = today;
        await pruneDownloadIdentities(this.database.db, utcDay(this.now() - KEEP_DAYS * 86_400_000));
      }
    } catch (err) {
      // Keep the batch for the next try rather than lose it.
      for (const b of batch) this.#pending.set(`${b.imageId} ${b.identity} ${b.day}`, b);
      this.logger.warn({ err: (err as Error).message }, 'could not write download counts; will retry');
    }
  }
}
