import { type Kysely, sql } from 'kysely';

// Region images held pending for a verification (state 'pending') are few, and looked for on
// every start-up and after every publish when the registry has no AWS access
// (db/queries/verifications.ts explainNoAws releases those no check will come for): without an
// index that was a sequential scan of every region row (264,000 rows, 46 ms on the 100k bench
// catalogue on PostgreSQL), a cost that grew with the catalogue. A partial index holds only the
// pending rows.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS image_regions_pending_idx ON image_regions (id) WHERE state = 'pending'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS image_regions_pending_idx`.execute(db);
}
