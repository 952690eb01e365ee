import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

let reg: TestRegistry;
let owner: string;
beforeAll(async () => {
  reg = await startRegistry();
  owner = await createUser(reg, 'owner');
  await publish(reg, owner, publishBody('popular'));
});
afterAll(() => reg?.close());

describe('ratings and reviews', () => {
  it('keeps the aggregate exact under many parallel raters, and under parallel re-rates', async () => {
    const raters = await Promise.all(Array.from({ length: 24 }, (_, i) => createUser(reg, `rater-${i}`)));
    const stars = raters.map((_, i) => (i % 5) + 1);
    const results = await Promise.all(
      raters.map((token, i) =>
        request(reg.url)
          .put('/api/v1/listings/owner/popular/rating')
          .set('Authorization', `Bearer ${token}`)
          .send({ rating: stars[i], review: `review ${i}` }),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const expected = stars.reduce((a, b) => a + b, 0) / stars.length;
    let detail = (await request(reg.url).get('/api/v1/listings/owner/popular')).body;
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
    await Promise.all(
      changes.map(([token, rating]) =>
        request(reg.url)
          .put('/api/v1/listings/owner/popular/rating')
          .set('Authorization', `Bearer ${token}`)
          .send({ rating }),
      ),
    );
    const rows = await reg.database.db.selectFrom('ratings').select(['stars']).execute();
    const agg = await reg.database.db
      .selectFrom('image_stats as st')
      .innerJoin('images as i', 'i.id', 'st.image_id')
      .select(['st.rating_sum', 'st.rating_count', 'st.rating_avg'])
      .where('i.name', '=', 'popular')
      .executeTakeFirstOrThrow();
    const sum = rows.reduce((a, r) => a + Number(r.stars), 0);
    expect(Number(agg.rating_count)).toBe(rows.length);
    expect(Number(agg.rating_sum)).toBe(sum);
    expect(agg.rating_avg).toBeCloseTo(sum / rows.length, 5);
    detail = (await request(reg.url).get('/api/v1/listings/owner/popular')).body;
    expect(detail.rating.count).toBe(24);
  });

  it('pages reviews newest first without repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: request.Response = await request(reg.url).get(
        `/api/v1/listings/owner/popular/ratings?limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((r: { user: string }) => r.user));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(24);
    expect(new Set(seen).size).toBe(24);
    expect((await request(reg.url).get('/api/v1/listings/owner/popular/ratings?cursor=!!!')).status).toBe(400);
    expect((await request(reg.url).get('/api/v1/listings/owner/popular/ratings?limit=0')).status).toBe(400);
  });

  it('shows reviews as plain data and refuses reviews over 5000 characters', async () => {
    const token = await createUser(reg, 'xss');
    const res = await request(reg.url)
      .put('/api/v1/listings/owner/popular/rating')
      .set('Authorization', `Bearer ${token}`)
      .send({ rating: 1, review: '<script>alert(1)</script>' });
    expect(res.body.review).toBe('<script>alert(1)</script>');
    const long = await request(reg.url)
      .put('/api/v1/listings/owner/popular/rating')
      .set('Authorization', `Bearer ${token}`)
      .send({ rating: 1, review: 'x'.repeat(5001) });
    expect(long.status).toBe(400);
    const missing = await request(reg.url)
      .put('/api/v1/listings/owner/nothing/rating')
      .set('Authorization', `Bearer ${token}`)
      .send({ rating: 1 });
    expect(missing.status).toBe(404);
  });
});
