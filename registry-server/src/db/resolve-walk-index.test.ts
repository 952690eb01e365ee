import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../../test/helpers/registry.js';
import type { Database } from './database.js';
import { hitQuery, type ResolvePolicy, resolveCandidates, resolveHit } from './queries/resolve.js';
import { ANONYMOUS } from './queries/visibility.js';

// Migration 2026120365: resolve_slots_probe_idx keeps the classes descending (active, verified), so
// a resolve without min_rating or verified_only walks all four classes in one index scan, best
// class first, instead of probing each class's range in turn.
let database: Database;
let close = async () => {};
beforeAll(async () => {
  ({ database, close } = await migratedDatabase());
});
afterAll(() => close());

const explain = async (policy: ResolvePolicy) => {
  const compiled = hitQuery(database.db, policy, ANONYMOUS, false).compile();
  const { rows } = await database.db.executeQuery<Record<string, string>>(
    CompiledQuery.raw(`EXPLAIN ${compiled.sql}`, [...compiled.parameters]),
  );
  return rows.map((r) => Object.values(r)[0]).join('\n');
};

describe('the resolve walk (resolve_slots_probe_idx, classes descending)', () => {
  it('walks the classes in one index scan, best class first, and takes the next class when the best has none', async () => {
    const db = database.db;
    await sql`INSERT INTO users (handle, role) VALUES ('walk-owner', 'user')`.execute(db);
    // 4,000 listings of one template; version status and verification spread them over the four classes.
    await sql`INSERT INTO images (owner_id, name, template, visibility, description, tags, search_doc)
      SELECT u.id, 'walk-' || g, 'walk-template', 'public', '', '{}', '' FROM users u, generate_series(1, 4000) g
      WHERE u.handle = 'walk-owner'`.execute(db);
    await sql`INSERT INTO image_versions (image_id, version, status, created_by)
      SELECT i.id, '1.0.0', CASE WHEN substr(i.name, 6)::int % 4 < 2 THEN 'active' ELSE 'deprecated' END, i.owner_id
      FROM images i WHERE i.template = 'walk-template'`.execute(db);
    await sql`INSERT INTO image_regions (version_id, region, architecture, ami_id, state, verification_status)
      SELECT v.id, 'us-east-1', 'x86_64', 'ami-' || lpad(to_hex(v.id), 17, '0'), 'available',
        CASE WHEN substr(i.name, 6)::int % 2 = 0 THEN 'verified' ELSE 'unverified' END
      FROM image_versions v JOIN images i ON i.id = v.image_id WHERE i.template = 'walk-template'`.execute(db);
    await sql`ANALYZE`.execute(db);
    const policy: ResolvePolicy = { template: 'walk-template', region: 'us-east-1', architecture: 'x86_64' };

    const plan = await explain(policy);
    expect(plan.match(/resolve_slots_probe_idx/g), plan).toHaveLength(1);
    expect(plan, plan).not.toMatch(/Sort Key: rs\./);
    // min_rating and verified_only still probe class by class (their class is in the index range).
    const verified = await explain({ ...policy, verifiedOnly: true });
    expect(verified.match(/resolve_slots_probe_idx/g), verified).toHaveLength(2);

    const answer = async () => (await resolveHit(db, policy))?.row;
    const reference = async () => (await resolveCandidates(db, policy, 1, true))[0];
    const classOf = (r: { status: string; verification_status: string } | undefined) =>
      r && `${r.status}/${r.verification_status}`;
    // Empty the classes one by one from the best: each time the walk goes on to the next one.
    const seen: Array<string | undefined> = [];
    for (const [status, verification] of [
      ['active', 'verified'],
      ['active', 'unverified'],
      ['deprecated', 'verified'],
      ['deprecated', 'unverified'],
    ] as const) {
      const got = await answer();
      expect(got).toEqual(await reference());
      seen.push(classOf(got));
      // Take this class's region images out of service (the slots follow by trigger).
      await sql`UPDATE image_regions r SET state = 'unavailable' FROM image_versions v, images i
        WHERE v.id = r.version_id AND i.id = v.image_id AND i.template = 'walk-template'
          AND v.status = ${status} AND r.verification_status = ${verification}`.execute(db);
    }
    expect(seen).toEqual(['active/verified', 'active/unverified', 'deprecated/verified', 'deprecated/unverified']);
    expect(await answer()).toBeUndefined();
  });
});
