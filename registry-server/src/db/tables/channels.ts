import type { ColumnType } from 'kysely';

export interface ChannelsTable {
  image_id: number;
  name: string;
  version_id: number;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}
