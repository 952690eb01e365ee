import type { ColumnType, Generated } from 'kysely';

export interface RatingsTable {
  id: Generated<number>;
  image_id: number;
  user_id: number;
  stars: number;
  review: string | null;
  /** The rater's proven AWS account launched this listing's image (reported by cws launch). */
  launched: Generated<boolean>;
  /** The stars before the last change (null: never changed); the rating write's aggregate delta. */
  replaced_stars: ColumnType<number | null, never, never>;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}
