import type { ColumnType, Generated } from 'kysely';

/** One device-authorisation sign-in (RFC 8628): codes stored as SHA-256, single use. */
export interface DeviceAuthorizationsTable {
  id: Generated<number>;
  device_code_hash: string;
  user_code_hash: string;
  /** What the CLI said it is ("cws on laptop"): shown on the approval page, names the token. */
  client_name: string;
  created_at: ColumnType<Date, never, never>;
  expires_at: Date;
  interval_seconds: number;
  last_polled_at: Date | null;
  /** Who approved or denied it. */
  user_id: number | null;
  approved_at: Date | null;
  denied_at: Date | null;
  /** When the device collected its token: after that the device code is spent. */
  consumed_at: Date | null;
  token_id: number | null;
  /** Fixed at approval, from the approving session (null: approved before they were recorded). */
  scopes: string[] | null;
  org_id: number | null;
  /** The token behind the approving session (cws web login): the device token never outlives it. */
  parent_token_id: number | null;
}
