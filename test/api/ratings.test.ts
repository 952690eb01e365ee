import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

let reg: TestRegistry;
let owner: string;
beforeAll(async () => {
  reg = await startRegistry();
  owner = await createUser(reg, 'owner');
});
afterAll(() => reg?.close());

let seq = 0;
/** A listing of owner's of its own for one test, and raters made for it: no test sees another's ratings. */
async function popular(raterCount = 0) {
  const n = ++seq;
  const name = `popular-${n}`;
  await publish(reg, owner, publishBody(name));
  const raters = await Promise.all(Array.from({ length: raterCount }, (_, i) => createUser(reg, `rater-${n}-${i}`)));
  return { name, ref: `owner/${name}`, raters };
}
const rate = (ref: string, token: string, body: object) =>
  request(reg.url).put(`/api/v1/listings/${ref}/rating`).set('Authorization', `Bearer ${token}`).send(body);

describe('ratings and reviews', () => {
  it('keeps the aggregate exact under many parallel raters, and under parallel re-rates', async () => {
    const { name, ref, raters } = await popular(24);
    const stars = raters.map((_, i) => (i % 5) + 1);
    const results = await Promise.all(
      raters.map((token, i) => rate(ref, token, { rating: stars[i], review: `review ${i}` })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const expected = stars.reduce((a, b) => a + b, 0) / stars.length;
    let detail = (await request(reg.url).get(`/api/v1/listings/${ref}`)).body;
    expect(detail.rating).toEqual({ average: Math.round(expected * 100) / 100, count: 24 });
    expect(detail.ratings.histogram).toEqual({ 1: 5, 2: 5, 3: 5, 4: 5, 5: 4 });

    // Everyone changes their mind at once, some twice: still one rating each, sum exact.
    const changes = raters.flatMap((token, i) =>
      i % 2 === 0
        ? [
            [token, 5],
            [token, 1],
          ]
        : [[token, 3]],
    ) as Array<[string, number]>;
    await Promise.all(changes.map(([token, rating]) => rate(ref, token, { rating })));
    const rows = await reg.database.db
      .selectFrom('ratings as r')
      .innerJoin('images as i', 'i.id', 'r.image_id')
      .select(['r.stars'])
      .where('i.name', '=', name)
      .execute();
    const agg = await reg.database.db
      .selectFrom('image_stats as st')
      .innerJoin('images as i', 'i.id', 'st.image_id')
      .select(['st.rating_sum', 'st.rating_count', 'st.rating_avg'])
      .where('i.name', '=', name)
      .executeTakeFirstOrThrow();
    const sum = rows.reduce((a, r) => a + Number(r.stars), 0);
    expect(Number(agg.rating_count)).toBe(rows.length);
    expect(Number(agg.rating_sum)).toBe(sum);
    expect(agg.rating_avg).toBeCloseTo(sum / rows.length, 5);
    detail = (await request(reg.url).get(`/api/v1/listings/${ref}`)).body;
    expect(detail.rating.count).toBe(24);
  });

  it('pages reviews newest first without repeats', async () => {
    const { ref, raters } = await popular(24);
    const rated = await Promise.all(raters.map((token, i) => rate(ref, token, { rating: 4, review: `review ${i}` })));
    expect(rated.every((r) => r.status === 200)).toBe(true);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: request.Response = await request(reg.url).get(
        `/api/v1/listings/${ref}/ratings?limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((r: { user: string }) => r.user));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(24);
    expect(new Set(seen).size).toBe(24);
    expect((await request(reg.url).get(`/api/v1/listings/${ref}/ratings?cursor=!!!`)).status).toBe(400);
    expect((await request(reg.url).get(`/api/v1/listings/${ref}/ratings?limit=0`)).status).toBe(400);
  });

  it('shows reviews as plain data and refuses reviews over 5000 characters', async () => {
    const { ref } = await popular();
    const token = await createUser(reg, 'xss');
    const res = await rate(ref, token, { rating: 1, review: '<script>alert(1)</script>' });
    expect(res.body.review).toBe('<script>alert(1)</script>');
    const long = await rate(ref, token, { rating: 1, review: 'x'.repeat(5001) });
    expect(long.status).toBe(400);
    const missing = await request(reg.url)
      .put('/api/v1/listings/owner/nothing/rating')
      .set('Authorization', `Bearer ${token}`)
      .send({ rating: 1 });
    expect(missing.status).toBe(404);
  });
});
