import type { ColumnType, Generated } from 'kysely';

/** One reported launch per identity, version and day. */
export interface LaunchesTable {
  id: Generated<number>;
  image_id: number;
  version_id: number;
  user_id: number | null;
  /** user:<id>, else a hash of the client address. */
  identity: string;
  aws_account: string | null;
  ami_id: string;
  region: string;
  day: ColumnType<string, string | undefined, string>;
  created_at: ColumnType<Date, never, never>;
}

/** Who has been counted as a download of a listing on a day. */
export interface DownloadIdentitiesTable {
  image_id: number;
  day: ColumnType<string, string, string>;
  identity: string;
}
