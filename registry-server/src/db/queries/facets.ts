import { sql } from 'kysely';
import type { Db } from '../database.js';

/**
 * Facet choices for the catalogue, each read as a loose index scan: one index probe per
 * distinct value instead of a scan of every row (100k listings: ~2 ms instead of ~1 s).
 */

/** Templates and categories that at least one public listing uses, alphabetically. */
export async function publicFacetValues(db: Db, limit: number) {
  const distinctPublic = (column: 'template' | 'category') =>
    sql<{ value: string }>`
      WITH RECURSIVE d AS (
        SELECT min(${sql.ref(column)}) AS value FROM images
        UNION ALL
        SELECT (SELECT min(${sql.ref(column)}) FROM images WHERE ${sql.ref(column)} > d.value) FROM d
        WHERE d.value IS NOT NULL
      )
      SELECT value FROM d
      WHERE value IS NOT NULL
        AND EXISTS (SELECT 1 FROM images i WHERE i.${sql.ref(column)} = d.value AND i.visibility = 'public')
      ORDER BY value
      LIMIT ${limit}`
      .execute(db)
      .then((r) => r.rows.map((row) => row.value));
  const templates = await distinctPublic('template');
  const categories = await distinctPublic('category');
  return { templates, categories };
}

/** Distinct regions of all images, over the (region, architecture) index. */
export async function knownRegions(db: Db): Promise<string[]> {
  const { rows } = await sql<{ region: string }>`
    WITH RECURSIVE r AS (
      SELECT min(region) AS region FROM image_regions
      UNION ALL
      SELECT (SELECT min(region) FROM image_regions WHERE region > r.region) FROM r WHERE r.region IS NOT NULL
    )
    SELECT region FROM r WHERE region IS NOT NULL`.execute(db);
  return rows.map((r) => r.region);
}
