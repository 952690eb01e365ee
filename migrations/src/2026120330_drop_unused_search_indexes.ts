import { type Kysely, sql } from 'kysely';

// Search reads the postings (2026120310_search_postings) and the vocabulary's own indexes; no
// query matches images.search_tsv or images.search_doc any more (checked: every query of
// registry-server/src, web pages, facets, community, admin, the CLI and bench/). Their two GIN
// indexes only cost every listing write (a GIN insert per word of the search text) and the
// bench catalogue's generation. The columns stay: search_doc feeds the postings' triggers, and
// search_tsv is a generated column (dropping it would rewrite the table).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS images_fts_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS images_trgm_idx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS images_fts_idx ON images USING gin (search_tsv)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS images_trgm_idx ON images USING gin (search_doc gin_trgm_ops)`.execute(db);
}
