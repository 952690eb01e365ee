import { type Kysely, sql } from 'kysely';

// A rating in one call: rate_listing() finds the listing (by id, or for a public listing by
// owner handle and name), refuses its publishers, upserts the rating, adds the delta to the
// listing's aggregate in image_stats and writes the audit row, in the caller's transaction.
// As a function its statements are planned once per connection and kept (PL/pgSQL caches its
// plans), where the same statement sent as SQL is parsed and planned on every rating: on the
// embedded database, whose planner runs in WebAssembly, that was most of a rating's cost.
//
// Exact under concurrency without a lock: the image_stats UPDATE adds its deltas to the row's
// latest committed value (PostgreSQL re-reads a row another writer changed), and the delta comes
// from the rating row itself, locked by the upsert: xmax = 0 says whether it was inserted,
// replaced_stars holds the stars it had before (PostgreSQL 15 has no RETURNING OLD).
//
// No row comes back when nothing was written: no public listing of that name not owned by the
// rater (by name), or the rater published a version of it. The caller then finds out which.
const UP = `
CREATE FUNCTION rate_listing(p_image bigint, p_owner text, p_name text, p_user bigint, p_stars smallint,
  p_review text, p_keep_review boolean, p_target text)
RETURNS TABLE (rated_image bigint, is_new boolean, has_launched boolean, stars_sum bigint, stars_count bigint,
  kept_review text)
LANGUAGE plpgsql AS $$
DECLARE
  v_sum_delta integer;
  v_count_delta integer;
BEGIN
  rated_image := p_image;
  IF rated_image IS NULL THEN
    SELECT i.id INTO rated_image FROM images i JOIN users u ON u.id = i.owner_id
      WHERE u.handle = p_owner AND i.name = p_name AND i.visibility = 'public' AND i.owner_id <> p_user;
    IF rated_image IS NULL THEN
      RETURN;
    END IF;
  END IF;
  IF EXISTS (SELECT 1 FROM image_versions v WHERE v.image_id = rated_image AND v.created_by = p_user) THEN
    RETURN;
  END IF;
  INSERT INTO ratings AS r (image_id, user_id, stars, review, launched)
    VALUES (rated_image, p_user, p_stars, p_review,
      EXISTS (SELECT 1 FROM launches l WHERE l.image_id = rated_image AND l.user_id = p_user
              AND l.aws_account IS NOT NULL))
    ON CONFLICT (image_id, user_id) DO UPDATE SET replaced_stars = r.stars, stars = EXCLUDED.stars,
      review = CASE WHEN p_keep_review THEN r.review ELSE EXCLUDED.review END,
      launched = EXCLUDED.launched, updated_at = now()
    RETURNING r.xmax = 0, r.review, r.launched,
      r.stars - CASE WHEN r.xmax = 0 THEN 0 ELSE r.replaced_stars END
    INTO is_new, kept_review, has_launched, v_sum_delta;
  v_count_delta := CASE WHEN is_new THEN 1 ELSE 0 END;
  UPDATE image_stats AS st SET rating_sum = st.rating_sum + v_sum_delta,
      rating_count = st.rating_count + v_count_delta,
      rating_avg = CASE WHEN st.rating_count + v_count_delta = 0 THEN 0
        ELSE (st.rating_sum + v_sum_delta)::real / (st.rating_count + v_count_delta) END
    WHERE st.image_id = rated_image
    RETURNING st.rating_sum, st.rating_count INTO stars_sum, stars_count;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'listing % has no image_stats row', rated_image;
  END IF;
  INSERT INTO audit_log (actor_id, action, image_id, target, details)
    VALUES (p_user, CASE WHEN is_new THEN 'rating.create' ELSE 'rating.update' END, rated_image, p_target,
      jsonb_build_object('rating', p_stars::int));
  RETURN NEXT;
END $$`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(UP).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw('DROP FUNCTION IF EXISTS rate_listing(bigint, text, text, bigint, smallint, text, boolean, text)')
    .execute(db);
}
