import type { ColumnType, Generated } from 'kysely';

export interface UsersTable {
  id: Generated<number>;
  handle: string;
  display_name: string | null;
  role: 'user' | 'maintainer' | 'admin';
  created_at: ColumnType<Date, never, never>;
  disabled_at: Date | null;
  /** 'org': an organisation, which shares the handle namespace with people and owns listings. */
  /** The registry a mirror copied this account from; null: local. */
  origin: ColumnType<string | null, string | null | undefined, string | null>;
  kind: ColumnType<'user' | 'org', 'user' | 'org' | undefined, 'user' | 'org'>;
}
