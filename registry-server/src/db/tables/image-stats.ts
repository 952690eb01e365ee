import type { Generated } from 'kysely';

/**
 * A listing's counters, apart from the wide `images` row so that a rating, download or launch
 * rewrites a small row (migration 202612021201). One row per listing, made by a trigger on
 * `images`; `template` is a copy of the listing's, for the resolve rank index.
 */
export interface ImageStatsTable {
  image_id: number;
  template: string;
  rating_sum: Generated<number>;
  rating_count: Generated<number>;
  rating_avg: Generated<number>;
  download_count: Generated<number>;
  launch_count: Generated<number>;
}
