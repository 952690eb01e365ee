import type { ColumnType } from 'kysely';

export type OrgRole = 'member' | 'publisher' | 'admin';

/** A person's membership of an organisation (both are users rows; the organisation has kind 'org'). */
export interface OrganisationMembersTable {
  org_id: number;
  user_id: number;
  role: OrgRole;
  /** 'saml': granted by an identity provider's groups, updated at each sign-in; 'manual': by an admin. */
  source: ColumnType<'manual' | 'saml', 'manual' | 'saml' | undefined, 'manual' | 'saml'>;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}
