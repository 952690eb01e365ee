import { type Kysely, sql } from 'kysely';

// Resolve walks the listings of one template best-rated first and stops at the first one
// with a usable region image (one ordered LIMIT-1 probe per class), instead of joining and
// sorting every listing of the template on each call. Private listings never resolve.
const UP = [
  `CREATE INDEX images_resolve_rank_idx ON images
     (template, rating_avg DESC, rating_count DESC, download_count DESC, id DESC)
     WHERE visibility <> 'private'`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP INDEX IF EXISTS images_resolve_rank_idx').execute(db);
}
