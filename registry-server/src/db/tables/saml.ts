import type { ColumnType } from 'kysely';

/** A person as an identity provider knows them: (idp, stable subject) -> a user. */
export interface SamlIdentitiesTable {
  idp: string;
  subject: string;
  user_id: number;
  /** Handle of the organisation the IdP is bound to (CWS_REGISTRY_SAML_*_ORG). */
  organisation: string | null;
  display_name: string | null;
  mail: string | null;
  groups: string[];
  /** The organisation role the last assertion's groups mapped to, or null for none. */
  org_role: 'member' | 'publisher' | 'admin' | null;
  /** The last sign-in's NameID and session, for single logout. */
  name_id: string | null;
  name_id_format: string | null;
  session_index: string | null;
  created_at: ColumnType<Date, never, never>;
  last_login_at: ColumnType<Date, Date | undefined, Date>;
}

/** An AuthnRequest this registry sent and has not yet seen answered. */
export interface SamlRequestsTable {
  id: string;
  idp: string;
  created_at: ColumnType<Date, never, never>;
  expires_at: Date;
}

/** An assertion already accepted (replay store), kept until it would expire anyway. */
export interface SamlAssertionsTable {
  idp: string;
  assertion_id: string;
  expires_at: Date;
}
