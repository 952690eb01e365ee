import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, publish, publishBody } from '../helpers/api.js';
import { redisForTests } from '../helpers/redis-server.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

// A rating spares cached resolve answers (their ranking may lag by up to the cache TTL) and
// drops everything else: listing detail, search and community answers show it at once. Any
// other write still drops resolve answers.

const redisUrl = await redisForTests('the two-replica cache namespace tests');

async function rate(reg: TestRegistry, token: string, ref: string, rating: number) {
  const res = await request(reg.url)
    .put(`/api/v1/listings/${ref}/rating`)
    .set('Authorization', `Bearer ${token}`)
    .send({ rating });
  expect(res.status).toBe(200);
}

/** Polls until check() passes; returns the last value after the deadline. */
async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    value = await read();
  }
  return value;
}

/** Returns whether the reader still served the cached resolve answer after the rating. */
async function scenario(writer: TestRegistry, reader: TestRegistry, template: string): Promise<boolean> {
  const owner = await createUser(writer, `owner-${template}`);
  const rater = await createUser(writer, `rater-${template}`);
  await publish(writer, owner, publishBody('first', { template }));
  // The write after publishing (what verification records) must not race the answers cached below.
  await writer.server.ctx.services.verification.idle();
  // So must the scan queued after the publish (without AWS it records why it could not run).
  await new Promise((r) => setTimeout(r, 100));
  await writer.server.ctx.jobs.idle(['scan-region']);
  const resolveUrl = `/api/v1/resolve/${template}?region=us-east-1`;
  const before = await request(reader.url).get(resolveUrl);
  expect(before.status).toBe(200);
  expect(before.body.listing.rating.count).toBe(0);
  // Search and detail are cached too before the rating.
  expect((await request(reader.url).get(`/api/v1/listings?template=${template}`)).body.items[0].rating.count).toBe(0);
  expect((await request(reader.url).get(`/api/v1/listings/owner-${template}/first`)).body.rating.count).toBe(0);

  await rate(writer, rater, `owner-${template}/first`, 4);
  const detail = await eventually(
    () => request(reader.url).get(`/api/v1/listings/owner-${template}/first`),
    (r) => r.body.rating.count === 1,
  );
  expect(detail.body.rating).toEqual({ average: 4, count: 1 });
  // The reader has seen the rating (detail above); its resolve answer was spared: still the cached one.
  const spared = (await request(reader.url).get(resolveUrl)).body.listing.rating.count === 0;
  const search = await eventually(
    () => request(reader.url).get(`/api/v1/listings?template=${template}`),
    (r) => r.body.items[0].rating.count === 1,
  );
  expect(search.body.items[0].rating.count).toBe(1);

  // Any other write (a new listing) drops it.
  await publish(writer, owner, publishBody('second', { template }, ['eu-west-1']));
  const after = await eventually(
    () => request(reader.url).get(resolveUrl),
    (r) => r.body.listing.rating.count === 1,
  );
  expect(after.body.listing).toMatchObject({ ref: `owner-${template}/first`, rating: { average: 4, count: 1 } });
  return spared;
}

describe('cache namespaces, one registry', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry({ redisUrl: null });
  });
  afterAll(() => reg?.close());

  it('a rating spares resolve answers and drops the rest', async () => {
    expect(await scenario(reg, reg, 'ns-local')).toBe(true);
  });
});

describe.skipIf(!redisUrl)('cache namespaces, two replicas sharing Redis', () => {
  let a: TestRegistry;
  let b: TestRegistry;
  beforeAll(async () => {
    a = await startRegistry({ redisUrl });
    b = await startRegistry({ shareDatabaseWith: a, redisUrl });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('a rating through one replica spares the other’s resolve answers and drops the rest', async () => {
    // A replica that lost contact with Redis for a second (a heartbeat late on a loaded machine)
    // rightly stops trusting its cache and recomputes: so the spared answer must be seen in at
    // least one of three rounds. A rating that dropped resolve answers would fail all three.
    const rounds: boolean[] = [];
    for (let n = 0; n < 3 && !rounds.includes(true); n++) rounds.push(await scenario(a, b, `ns-shared-${n}`));
    expect(rounds).toContain(true);
  });
});
