import type { ColumnType, Generated } from 'kysely';

export interface RatingsTable {
  id: Generated<number>;
  image_id: number;
  user_id: number;
  stars: number;
  review: string | null;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}
