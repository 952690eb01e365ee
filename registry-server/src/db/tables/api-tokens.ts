import type { ColumnType, Generated } from 'kysely';

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  /** sha-256 of the token, hex; the token itself is never stored. */
  token_hash: string;
  prefix: string;
  scopes: string[];
  created_at: ColumnType<Date, never, never>;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  /** Limits the token to one organisation (a users row of kind 'org'). */
  org_id: ColumnType<number | null, number | null | undefined, number | null>;
}
