import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../../test/helpers/registry.js';
import type { Database } from './database.js';
import { explainNoAws } from './queries/verifications.js';

// Migration 2026120360: the few pending region rows are found by a partial index, not by reading
// every region row (explainNoAws runs at each start-up and after each publish without AWS).
let database: Database;
let close = async () => {};
beforeAll(async () => {
  ({ database, close } = await migratedDatabase());
});
afterAll(() => close());

describe('pending region images (image_regions_pending_idx)', () => {
  it('are released by explainNoAws through the partial index, however many region rows there are', async () => {
    const db = database.db;
    await sql`INSERT INTO users (handle, role) VALUES ('pending-owner', 'user')`.execute(db);
    await sql`INSERT INTO images (owner_id, name, template, visibility, description, tags, search_doc)
      SELECT id, 'pending', 'genomics', 'public', '', '{}', '' FROM users WHERE handle = 'pending-owner'`.execute(db);
    await sql`INSERT INTO image_versions (image_id, version, status, created_by)
      SELECT i.id, '1.0.' || g, 'active', i.owner_id FROM images i, generate_series(1, 1500) g
      WHERE i.name = 'pending'`.execute(db);
    // 3,000 region rows, of which 5 pending with no check yet and 2 pending with one.
    await sql`INSERT INTO image_regions (version_id, region, architecture, ami_id, state, last_verified_at)
      SELECT v.id, 'us-east-1', a, 'ami-' || lpad(to_hex(v.id * 2 + (a = 'arm64')::int), 17, '0'),
        CASE WHEN a = 'x86_64' AND v.version IN ('1.0.1', '1.0.2', '1.0.3', '1.0.4', '1.0.5', '1.0.6', '1.0.7')
          THEN 'pending' ELSE 'available' END,
        CASE WHEN v.version IN ('1.0.6', '1.0.7') THEN now() END
      FROM image_versions v CROSS JOIN unnest(ARRAY['x86_64', 'arm64']) a`.execute(db);
    await sql`ANALYZE image_regions`.execute(db);
    const pending = async () =>
      Number(
        (await sql<{ n: number }>`SELECT count(*)::int AS n FROM image_regions WHERE state = 'pending'`.execute(db))
          .rows[0]!.n,
      );
    expect(await pending()).toBe(7);
    const plan = await sql<Record<string, string>>`EXPLAIN UPDATE image_regions SET state = 'available'
      WHERE state = 'pending' AND last_verified_at IS NULL`.execute(db);
    expect(plan.rows.map((r) => Object.values(r)[0]).join('\n')).toContain('image_regions_pending_idx');
    await explainNoAws(db);
    // The two that had a check stay pending (their next check releases them).
    expect(await pending()).toBe(2);
  });
});
