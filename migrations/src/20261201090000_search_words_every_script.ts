import { type Kysely, sql } from 'kysely';

// The typo-tolerance vocabulary held only a-z/0-9 words, so a query in Japanese, Greek or
// Cyrillic found nothing. Fill it from the words the full-text index itself holds.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `INSERT INTO search_words (word)
       SELECT DISTINCT w FROM images, unnest(tsvector_to_array(search_tsv)) AS w
       WHERE length(w) BETWEEN 2 AND 40
       ON CONFLICT (word) DO NOTHING`,
    )
    .execute(db);
}

export async function down(): Promise<void> {
  // The words stay: they are words of listings, and harmless.
}
