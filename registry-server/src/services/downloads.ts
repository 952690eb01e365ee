import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { addDownloads } from '../db/queries/listings.js';

/**
 * Download counts are added up in memory and written every few seconds in one statement:
 * a resolve must not pay for a write. Each replica adds its own deltas, so the sum is
 * exact across replicas; at most one interval of counts is lost if a process is killed.
 */
export class DownloadCounter {
  #images = new Map<number, number>();
  #versions = new Map<number, number>();

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
  ) {}

  count(imageId: number, versionId: number): void {
    this.#images.set(imageId, (this.#images.get(imageId) ?? 0) + 1);
    this.#versions.set(versionId, (this.#versions.get(versionId) ?? 0) + 1);
  }

  get pending(): number {
    let n = 0;
    for (const v of this.#images.values()) n += v;
    return n;
  }

  async flush(): Promise<void> {
    if (this.#images.size === 0) return;
    const images = this.#images;
    const versions = this.#versions;
    this.#images = new Map();
    this.#versions = new Map();
    try {
      await addDownloads(this.database.db, images, versions);
    } catch (err) {
      // Keep the counts for the next try rather than lose them.
      for (const [id, n] of images) this.#images.set(id, (this.#images.get(id) ?? 0) + n);
      for (const [id, n] of versions) this.#versions.set(id, (this.#versions.get(id) ?? 0) + n);
      this.logger.warn({ err: (err as Error).message }, 'could not write download counts; will retry');
    }
  }
}
