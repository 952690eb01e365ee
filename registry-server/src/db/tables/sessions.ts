import type { ColumnType, Generated } from 'kysely';

/** A one-time sign-in code for the web pages; single use, minutes long. */
export interface WebLoginCodesTable {
  /** sha-256 of the code, hex; the code itself is never stored. */
  code_hash: string;
  user_id: number;
  /** The token that asked for the code: revoking it kills the unused code. */
  token_id: number | null;
  /** What the session it starts may do. */
  scopes: string[];
  created_at: ColumnType<Date, never, never>;
  expires_at: Date;
  used_at: Date | null;
}

/** A browser session: the cookie holds a random id, the table its sha-256. */
export interface WebSessionsTable {
  id: Generated<number>;
  session_hash: string;
  user_id: number;
  scopes: string[];
  /** How it started: a one-time link from the CLI, or (later) SAML. */
  via: 'link' | 'saml';
  /** The token whose sign-in link started it (null for SAML): its revocation ends the session. */
  token_id: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: ColumnType<Date, never, never>;
  expires_at: Date;
}
