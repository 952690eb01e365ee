import type { ColumnType, Generated } from 'kysely';

export interface AwsAccountsTable {
  id: Generated<number>;
  user_id: number;
  account_id: string;
  arn: string | null;
  proven_at: ColumnType<Date, Date | undefined, Date>;
}
