import { type Kysely, sql } from 'kysely';

// Search as index probes. A posting is (word, listing): `field` 1 when the word is in the
// listing's name, template, category or tags, 0 when only elsewhere in its search text
// (description, owner); `rating` is the listing's rating in half stars (floor(avg * 2)). A page of
// results in relevance order (field, rating, id, all descending) is then one ordered range scan
// of `search_postings_rank_idx` per vocabulary word, merged, with LIMIT: no tsvector is read or
// ranked. Triggers keep the postings in step with `images` (any write path) and with the rating
// (only when the half-star bucket changes: a rating rewrites the listing's ~20 postings rarely).
// Words are split the way services/present.ts wordsOf() splits (letters and digits of every
// script, 2-40 characters); the trigger also adds them to the typo vocabulary, so every posting
// word is a vocabulary word.
const UP = [
  `CREATE FUNCTION search_words_of(doc text) RETURNS SETOF text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
     SELECT DISTINCT w FROM regexp_split_to_table(doc, '[^[:alnum:]]+') AS w WHERE length(w) BETWEEN 2 AND 40
   $$`,
  `CREATE FUNCTION search_rating_key(avg real) RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
     SELECT floor(coalesce(avg, 0) * 2)::smallint
   $$`,
  // The postings of one listing: every word of its search text; field 1 for the words of its
  // name, template, category and tags.
  `CREATE FUNCTION search_postings_of(doc text, name text, template text, category text, tags text[])
     RETURNS TABLE (word text, field smallint) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
     SELECT d.w, CASE WHEN t.w IS NULL THEN 0 ELSE 1 END::smallint
     FROM search_words_of(doc) AS d(w)
     LEFT JOIN search_words_of(lower(concat_ws(' ', name, template, category, array_to_string(tags, ' ')))) AS t(w)
       ON t.w = d.w
   $$`,
  `CREATE TABLE search_postings (
    word text NOT NULL,
    image_id bigint NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    field smallint NOT NULL,
    rating smallint NOT NULL,
    PRIMARY KEY (image_id, word)
  )`,
  `INSERT INTO search_postings (word, image_id, field, rating)
     SELECT p.word, i.id, p.field, search_rating_key(st.rating_avg)
     FROM images i JOIN image_stats st ON st.image_id = i.id,
          search_postings_of(i.search_doc, i.name, i.template, i.category, i.tags) p`,
  `CREATE INDEX search_postings_rank_idx ON search_postings (word, field DESC, rating DESC, image_id DESC)`,
  `INSERT INTO search_words (word) SELECT DISTINCT word FROM search_postings ON CONFLICT (word) DO NOTHING`,
  // Prefix expansion (word LIKE 'pyth%') as an index range whatever the database's collation.
  `CREATE INDEX search_words_prefix_idx ON search_words (word text_pattern_ops)`,
  `CREATE FUNCTION search_postings_follow() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     DELETE FROM search_postings WHERE image_id = NEW.id;
     INSERT INTO search_postings (word, image_id, field, rating)
       SELECT p.word, NEW.id, p.field, coalesce((SELECT search_rating_key(st.rating_avg) FROM image_stats st
                                                  WHERE st.image_id = NEW.id), 0)
       FROM search_postings_of(NEW.search_doc, NEW.name, NEW.template, NEW.category, NEW.tags) p;
     INSERT INTO search_words (word) SELECT w FROM search_words_of(NEW.search_doc) AS w
       ON CONFLICT (word) DO NOTHING;
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER images_search_postings_insert AFTER INSERT ON images
     FOR EACH ROW EXECUTE FUNCTION search_postings_follow()`,
  `CREATE TRIGGER images_search_postings_update AFTER UPDATE OF search_doc, name, template, category, tags ON images
     FOR EACH ROW
     WHEN (OLD.search_doc IS DISTINCT FROM NEW.search_doc OR OLD.name IS DISTINCT FROM NEW.name
           OR OLD.template IS DISTINCT FROM NEW.template OR OLD.category IS DISTINCT FROM NEW.category
           OR OLD.tags IS DISTINCT FROM NEW.tags)
     EXECUTE FUNCTION search_postings_follow()`,
  `CREATE FUNCTION search_postings_rating() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     UPDATE search_postings SET rating = search_rating_key(NEW.rating_avg) WHERE image_id = NEW.image_id;
     RETURN NULL;
   END $$`,
  // Only when the half-star bucket changes: the WHEN clause is checked without calling the function.
  `CREATE TRIGGER image_stats_search_rating AFTER UPDATE OF rating_avg ON image_stats
     FOR EACH ROW WHEN (search_rating_key(OLD.rating_avg) IS DISTINCT FROM search_rating_key(NEW.rating_avg))
     EXECUTE FUNCTION search_postings_rating()`,
];

const DOWN = [
  'DROP TRIGGER IF EXISTS image_stats_search_rating ON image_stats',
  'DROP TRIGGER IF EXISTS images_search_postings_update ON images',
  'DROP TRIGGER IF EXISTS images_search_postings_insert ON images',
  'DROP FUNCTION IF EXISTS search_postings_rating()',
  'DROP FUNCTION IF EXISTS search_postings_follow()',
  'DROP INDEX IF EXISTS search_words_prefix_idx',
  'DROP TABLE IF EXISTS search_postings',
  'DROP FUNCTION IF EXISTS search_postings_of(text, text, text, text, text[])',
  'DROP FUNCTION IF EXISTS search_rating_key(real)',
  'DROP FUNCTION IF EXISTS search_words_of(text)',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
