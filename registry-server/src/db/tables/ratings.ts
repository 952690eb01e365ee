import type { ColumnType, Generated } from 'kysely';

export interface RatingsTable {
  id: Generated<number>;
  image_id: number;
  user_id: number;
  stars: number;
  review: string | null;
  /** The rater's proven AWS account launched this listing's image (reported by cws launch). */
  launched: Generated<boolean>;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}
