import { communityAmiList, ratingResult } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, fakeAmi, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

let reg: TestRegistry;
let alice: string;
const amis = { east: fakeAmi(), west: fakeAmi(), euV2: fakeAmi() };
beforeAll(async () => {
  reg = await startRegistry();
  alice = await createUser(reg, 'alice');
  await publish(reg, alice, {
    ...publishBody('r-studio', { template: 'r-research', category: 'statistics' }),
    version: {
      version: '1.0.0',
      regions: [
        { region: 'us-west-2', architecture: 'x86_64', ami_id: amis.west },
        { region: 'us-east-1', architecture: 'x86_64', ami_id: amis.east },
      ],
    },
  });
  await request(reg.url)
    .post('/api/v1/listings/alice/r-studio/versions')
    .set('Authorization', `Bearer ${alice}`)
    .send({ version: '2.0.0', regions: [{ region: 'eu-west-1', ami_id: amis.euV2 }] });
  await publish(reg, alice, publishBody('torch'));
});
afterAll(() => reg?.close());

describe('seed 004 community API', () => {
  it('lists items in exactly the seed’s shape', async () => {
    const res = await request(reg.url).get('/api/v1/community/amis');
    expect(res.status).toBe(200);
    const items = communityAmiList.parse(res.body);
    expect(items).toHaveLength(2);
    for (const item of res.body) {
      expect(Object.keys(item).sort()).toEqual(['ami_id', 'creator', 'download_count', 'name', 'rating', 'regions']);
    }
    const r = res.body.find((i: { name: string }) => i.name === 'r-studio');
    expect(r.creator).toBe('alice');
    expect(r.regions).toEqual(['eu-west-1', 'us-east-1', 'us-west-2']);
    // No region asked: the best (newest active) version's first region.
    expect(r.ami_id).toBe(amis.euV2);
  });

  it('picks the image in the requested region, falling back to older versions there', async () => {
    const east = await request(reg.url).get('/api/v1/community/amis?template=r-research&region=us-east-1');
    expect(east.body).toHaveLength(1);
    expect(east.body[0].ami_id).toBe(amis.east);
    const eu = await request(reg.url).get('/api/v1/community/amis?region=eu-west-1');
    expect(eu.body.map((i: { ami_id: string }) => i.ami_id)).toEqual([amis.euV2]);
  });

  it('filters by template and category', async () => {
    expect(
      (await request(reg.url).get('/api/v1/community/amis?template=python-ml')).body.map(
        (i: { name: string }) => i.name,
      ),
    ).toEqual(['torch']);
    expect((await request(reg.url).get('/api/v1/community/amis?category=statistics')).body).toHaveLength(1);
    expect((await request(reg.url).get('/api/v1/community/amis?template=nothing-here')).body).toEqual([]);
  });

  it('rejects bad filters and unknown parameters with 400', async () => {
    for (const qs of ['region=moon-1', 'template=Has Space', 'colour=blue', 'region=us-east-1&region=us-west-2']) {
      const res = await request(reg.url).get(`/api/v1/community/amis?${qs}`);
      expect(res.status, qs).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });

  it('rates by any image id of the listing; needs a token; validates the rating', async () => {
    const bob = await createUser(reg, 'bob');
    const anon = await request(reg.url).post(`/api/v1/community/amis/${amis.west}/rate`).send({ rating: 5 });
    expect(anon.status).toBe(401);
    for (const body of [
      { rating: 0 },
      { rating: 6 },
      { rating: 4.5 },
      { rating: '5' },
      {},
      { rating: 5, extra: true },
    ]) {
      const res = await request(reg.url)
        .post(`/api/v1/community/amis/${amis.west}/rate`)
        .set('Authorization', `Bearer ${bob}`)
        .send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const malformed = await request(reg.url)
      .post('/api/v1/community/amis/ami-nothex!/rate')
      .set('Authorization', `Bearer ${bob}`)
      .send({ rating: 5 });
    expect(malformed.status).toBe(400);
    const unknown = await request(reg.url)
      .post(`/api/v1/community/amis/${fakeAmi()}/rate`)
      .set('Authorization', `Bearer ${bob}`)
      .send({ rating: 5 });
    expect(unknown.status).toBe(404);

    const ok = await request(reg.url)
      .post(`/api/v1/community/amis/${amis.west}/rate`)
      .set('Authorization', `Bearer ${bob}`)
      .send({ rating: 4, review: 'works with renv' });
    expect(ok.status).toBe(200);
    expect(ratingResult.parse(ok.body)).toEqual({
      listing: 'alice/r-studio',
      rating: 4,
      review: 'works with renv',
      summary: { average: 4, count: 1 },
      launched: false, // bob never reported a launch of it
    });
    // Any of the listing's image ids names the same listing: this replaces bob's rating.
    const again = await request(reg.url)
      .post(`/api/v1/community/amis/${amis.euV2}/rate`)
      .set('Authorization', `Bearer ${bob}`)
      .send({ rating: 2 });
    expect(again.body.summary).toEqual({ average: 2, count: 1 });
    const list = await request(reg.url).get('/api/v1/community/amis?template=r-research');
    expect(list.body[0].rating).toBe(2);
  });
});
