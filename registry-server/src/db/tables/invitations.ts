import type { ColumnType, Generated } from 'kysely';

/** An invitation link (or the first-run admin link): single use, expiring, stored as its SHA-256. */
export interface InvitationsTable {
  id: Generated<number>;
  /** sha-256 of the link's secret, hex; the secret itself is never stored. */
  code_hash: string;
  /** first_admin: printed by `cws-registry serve` while the registry has no admin. */
  kind: 'invite' | 'first_admin';
  /** The registry role the new account gets. */
  role: 'user' | 'maintainer' | 'admin';
  note: string | null;
  /** The admin who made it; null for the first-run link. */
  created_by: number | null;
  created_at: ColumnType<Date, never, never>;
  expires_at: Date;
  used_at: Date | null;
  /** The account it created. */
  used_by: number | null;
  revoked_at: Date | null;
}
