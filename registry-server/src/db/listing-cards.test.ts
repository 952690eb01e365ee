import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedBefore } from '../../../test/helpers/migrations.js';
import { type Race, runRaces } from '../../../test/helpers/races.js';
import { migratedDatabase } from '../../../test/helpers/registry.js';
import type { Database } from './database.js';
import { addDownloads, deleteRegion, lockListing } from './queries/listings.js';
import { writeRating } from './queries/ratings.js';
import { cardText } from './queries/search-page.js';
import type { DB } from './schema.js';

// listing_cards (migration 2026120390) is a copy kept by triggers: after every kind of change a
// search page shows, the table must equal its definition (the view listing_cards_source), and a
// card with its counters put in must be the summary the page promises (search.test.ts compares
// whole pages with toSummary's).

const serverUrl = process.env.DATABASE_URL || null;
let database: Database;
let close = async () => {};

beforeAll(async () => {
  ({ database, close } = await migratedDatabase());
});
afterAll(() => close());

/** The table against its definition, row for row (every listing has a card). */
async function expectExact(label: string) {
  const db = database.db;
  const table = await db.selectFrom('listing_cards').selectAll().orderBy('image_id').execute();
  const source = await db.selectFrom('listing_cards_source').selectAll().orderBy('image_id').execute();
  expect(table, label).toEqual(source);
  const listings = await db.selectFrom('images').select('id').orderBy('id').execute();
  expect(
    table.map((r) => Number(r.image_id)),
    label,
  ).toEqual(listings.map((r) => Number(r.id)));
  return table;
}

/** A listing's card and its row of the definition. */
async function cardOf(imageId: number) {
  const row = (from: 'listing_cards' | 'listing_cards_source') =>
    database.db.selectFrom(from).selectAll().where('image_id', '=', imageId).executeTakeFirst();
  return { table: await row('listing_cards'), source: await row('listing_cards_source') };
}

/** A card as a page shows it (search-page.ts cardText: the counters between head and tail), parsed. */
async function shown(imageId: number) {
  const { rows } = await sql<{ item: string }>`SELECT ${cardText('c', 'st')} AS item
    FROM listing_cards c JOIN image_stats st ON st.image_id = c.image_id WHERE c.image_id = ${imageId}`.execute(
    database.db,
  );
  return JSON.parse(rows[0]!.item) as Record<string, unknown>;
}

let counter = 0;
async function owner() {
  const [u] = await database.db
    .insertInto('users')
    .values({ handle: `cards${counter++}`, role: 'user' })
    .returning('id')
    .execute();
  return u!.id;
}

async function listing(ownerId: number) {
  const [image] = await database.db
    .insertInto('images')
    .values({
      owner_id: ownerId,
      name: `card-${counter++}`,
      template: 'genomics',
      visibility: 'public',
      description: 'a "quoted" description, with ünïcode and a \\ backslash',
      tags: ['bio', 'データ'],
      search_doc: '',
    })
    .returning('id')
    .execute();
  return image!.id;
}

async function versions(imageId: number, ownerId: number, names: string[]) {
  const rows = await database.db
    .insertInto('image_versions')
    .values(names.map((version) => ({ image_id: imageId, version, status: 'active' as const, created_by: ownerId })))
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

function regions(versionId: number, at: Array<[string, 'x86_64' | 'arm64']>, db: Database['db'] = database.db) {
  return db
    .insertInto('image_regions')
    .values(
      at.map(([region, architecture]) => ({
        version_id: versionId,
        region,
        architecture,
        ami_id: `ami-${randomBytes(8).toString('hex')}`,
        state: 'available' as const,
        verification_status: 'unverified' as const,
      })),
    )
    .returning('id')
    .execute();
}

describe('listing_cards', () => {
  it('equals its definition after every kind of change, and shows what toSummary shows', async () => {
    const db = database.db;
    const o = await owner();
    const a = await listing(o);
    const b = await listing(o);
    await expectExact('listings added');
    expect(await shown(a)).toMatchObject({
      ref: expect.stringMatching(/^cards\d+\/card-\d+$/),
      description: 'a "quoted" description, with ünïcode and a \\ backslash',
      tags: ['bio', 'データ'],
      rating: { average: 0, count: 0 },
      latest_version: null,
      regions: [],
      architectures: [],
    });

    const [a1, a2] = await versions(a, o, ['1.0.0', '1.1.0']);
    await expectExact('versions without regions');
    await regions(a1!, [
      ['us-east-1', 'x86_64'],
      ['eu-west-1', 'arm64'],
    ]);
    const [a2r] = await regions(a2!, [['ap-south-1', 'x86_64']]);
    await expectExact('regions added');
    expect(await shown(a)).toMatchObject({
      latest_version: '1.1.0',
      regions: ['ap-south-1', 'eu-west-1', 'us-east-1'],
      architectures: ['arm64', 'x86_64'],
    });

    // What the listing shows: edited, verified, hidden; and a change the card does not show.
    await db
      .updateTable('images')
      .set({ description: 'new', tags: ['x'], category: 'ml', updated_at: new Date(Date.UTC(2026, 10, 3, 4, 5, 6, 7)) })
      .where('id', '=', a)
      .execute();
    await db.updateTable('images').set({ verified: true, visibility: 'unlisted' }).where('id', '=', a).execute();
    await db.updateTable('images').set({ search_doc: 'words only search reads' }).where('id', '=', a).execute();
    await expectExact('listing changed');
    expect(await shown(a)).toMatchObject({
      verified: true,
      visibility: 'unlisted',
      updated_at: '2026-11-03T04:05:06.007Z',
    });

    // The counters are the page's, not the card's.
    const rater = await owner();
    await writeRating(db, a, { user_id: rater, stars: 4, review: null, target: 'x/y' });
    await addDownloads(db, new Map([[a, 3]]), new Map([[a1!, 3]]));
    await expectExact('rating and downloads');
    expect(await shown(a)).toMatchObject({ rating: { average: 4, count: 1 }, download_count: 3 });

    // Version status: revoked (its regions leave the card), deprecated, reinstated.
    await db.updateTable('image_versions').set({ status: 'revoked' }).where('id', '=', a2!).execute();
    await expectExact('version revoked');
    expect(await shown(a)).toMatchObject({ latest_version: '1.0.0', regions: ['eu-west-1', 'us-east-1'] });
    await db.updateTable('image_versions').set({ status: 'deprecated' }).where('id', '=', a2!).execute();
    await expectExact('version deprecated');
    expect(await shown(a)).toMatchObject({ latest_version: '1.1.0' });

    // A region deleted (an AMI moving to another listing), a version moved and deleted.
    await deleteRegion(db, a2r!.id);
    await expectExact('region deleted');
    expect(await shown(a)).toMatchObject({ latest_version: '1.0.0', architectures: ['arm64', 'x86_64'] });
    await db.updateTable('image_versions').set({ image_id: b }).where('id', '=', a1!).execute();
    await expectExact('version moved');
    expect(await shown(b)).toMatchObject({ latest_version: '1.0.0', regions: ['eu-west-1', 'us-east-1'] });
    await db.deleteFrom('image_regions').where('version_id', '=', a1!).execute();
    await db.deleteFrom('image_versions').where('id', 'in', [a1!, a2!]).execute();
    await expectExact('versions deleted');
    expect(await shown(b)).toMatchObject({ latest_version: null, regions: [] });
  });
});

describe('listing_cards under concurrent writes', () => {
  // Every trigger takes the listing's lock before it reads: the second writer's card is computed
  // after the first committed. Without the lock a region insert read the listing as its snapshot
  // had it, waited for the card row, and wrote the old description back.
  it.skipIf(!serverUrl)('stays exact when a listing changes in two transactions at once', async () => {
    const db = database.db;
    const o = await owner();
    const l = await listing(o);
    const [v1, v2] = await versions(l, o, ['1.0.0', '1.1.0']);
    await regions(v1!, [['us-east-1', 'x86_64']]);
    let n = 0;
    const next = () => `eu-test-${n++}`;
    const races: Array<Race<DB>> = [
      [
        'a listing edit, then a region insert',
        (t) =>
          t
            .updateTable('images')
            .set({ description: `edit ${n}` })
            .where('id', '=', l)
            .execute(),
        () => regions(v2!, [[next(), 'arm64']]),
      ],
      [
        'a region insert, then a listing edit',
        (t) => regions(v1!, [[next(), 'x86_64']], t),
        () =>
          db
            .updateTable('images')
            .set({ tags: [`t${n}`] })
            .where('id', '=', l)
            .execute(),
      ],
      [
        'a publish (the listing locked, a region added), then a verification of the listing',
        async (t) => {
          await lockListing(t, l);
          await regions(v2!, [[next(), 'x86_64']], t);
        },
        () => db.updateTable('images').set({ verified: true }).where('id', '=', l).execute(),
      ],
      [
        'a version revoked, then a region insert of another version',
        (t) => t.updateTable('image_versions').set({ status: 'revoked' }).where('id', '=', v2!).execute(),
        () => regions(v1!, [[next(), 'arm64']]),
      ],
      [
        'a region deleted, then a listing edit',
        async (t) => {
          const r = await t.selectFrom('image_regions').select('id').where('version_id', '=', v1!).executeTakeFirst();
          await deleteRegion(t, r!.id);
        },
        () => db.updateTable('images').set({ description: 'after the delete' }).where('id', '=', l).execute(),
      ],
    ];
    await runRaces(db, races, async (label) => {
      const { table, source } = await cardOf(l);
      expect(table, label).toEqual(source);
    });
  });
});

describe('migration 2026120390_listing_cards', () => {
  it('fills the table from the listings already there, and down removes it', async () => {
    const NAME = '2026120390_listing_cards';
    const { db, migrator } = await migratedBefore(NAME);
    try {
      await sql`INSERT INTO users (handle, role) VALUES ('m', 'user')`.execute(db);
      await sql`INSERT INTO images (owner_id, name, template, visibility, description, tags, search_doc)
        SELECT u.id, 'l' || g, 'genomics', 'public', 'd' || g, '{}', '' FROM users u, generate_series(1, 3) g`.execute(
        db,
      );
      await sql`INSERT INTO image_versions (image_id, version, status, created_by)
        SELECT i.id, '1.0.' || g, CASE WHEN g = 2 THEN 'revoked' ELSE 'active' END, i.owner_id
        FROM images i, generate_series(1, 2) g WHERE i.name <> 'l3'`.execute(db);
      await sql`INSERT INTO image_regions (version_id, region, architecture, ami_id, state)
        SELECT v.id, 'us-east-1', 'x86_64', 'ami-' || v.id, 'available' FROM image_versions v`.execute(db);
      expect((await migrator.migrateTo(NAME)).error).toBeUndefined();
      const table = await sql<{ tail: string }>`SELECT * FROM listing_cards ORDER BY image_id`.execute(db);
      const source = await sql`SELECT * FROM listing_cards_source ORDER BY image_id`.execute(db);
      expect(table.rows).toEqual(source.rows);
      expect(table.rows.map((r) => JSON.parse(`{${r.tail}`).latest_version)).toEqual(['1.0.1', '1.0.1', null]);
      expect((await migrator.migrateDown()).results?.[0]).toMatchObject({ migrationName: NAME, status: 'Success' });
      const left = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_class
        WHERE relname IN ('listing_cards', 'listing_cards_source')`.execute(db);
      expect(left.rows[0]!.n).toBe(0);
      const fns = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM pg_proc WHERE proname LIKE 'listing_cards%'`.execute(db);
      expect(fns.rows[0]!.n).toBe(0);
      // Writes work without the triggers, and up again fills the table over the same rows.
      await sql`UPDATE images SET description = 'after down'`.execute(db);
      expect((await migrator.migrateTo(NAME)).error).toBeUndefined();
      const again = await sql`SELECT * FROM listing_cards ORDER BY image_id`.execute(db);
      expect(again.rows).toEqual((await sql`SELECT * FROM listing_cards_source ORDER BY image_id`.execute(db)).rows);
    } finally {
      await db.destroy();
    }
  });
});
