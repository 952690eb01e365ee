import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, fakeAmi, publish, publishBody } from '../helpers/api.js';
import { redisForTests } from '../helpers/redis-server.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const redisUrl = await redisForTests('the Redis replica and outage tests');

/** Polls until check() passes; fails with the last value after the deadline. */
async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    value = await read();
  }
  return value;
}

describe.skipIf(!redisUrl)('two replicas sharing Redis', () => {
  let a: TestRegistry;
  let b: TestRegistry;
  let token: string;
  let rater: string;
  beforeAll(async () => {
    a = await startRegistry({ redisUrl });
    b = await startRegistry({ shareDatabaseWith: a, redisUrl });
    token = await createUser(a, 'alice');
    rater = await createUser(a, 'rater'); // owners cannot rate their own listings
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('invalidates the other replica’s cache on every write', async () => {
    const first = fakeAmi();
    await publish(a, token, publishBody('one', { template: 'shared' }, ['us-east-1']));
    const viaB = await request(b.url).get('/api/v1/resolve/shared?region=us-east-1');
    expect(viaB.status).toBe(200);
    // B has the answer cached now; a better image published through A must show up on B.
    const better = {
      ...publishBody('two', { template: 'shared' }),
      version: {
        version: '1',
        regions: [{ region: 'us-east-1' as const, architecture: 'x86_64' as const, ami_id: first }],
      },
    };
    await publish(a, token, better);
    await request(a.url)
      .put('/api/v1/listings/alice/two/rating')
      .set('Authorization', `Bearer ${rater}`)
      .send({ rating: 5 });
    const after = await eventually(
      () => request(b.url).get('/api/v1/resolve/shared?region=us-east-1'),
      (r) => r.body.ami_id === first,
    );
    expect(after.body.ami_id).toBe(first);
    // Listing detail and the community list follow too.
    const detail = await eventually(
      () => request(b.url).get('/api/v1/listings/alice/two'),
      (r) => r.body.rating?.count === 1,
    );
    expect(detail.body.rating).toEqual({ average: 5, count: 1 });
  });

  it('shares cached answers through Redis', async () => {
    await request(a.url).get('/api/v1/community/amis?template=shared');
    const metricsBefore = await request(b.url).get('/metrics');
    const hitsBefore = Number(
      /cws_registry_cache_requests_total\{tier="redis",result="hit"\} (\d+)/.exec(metricsBefore.text)?.[1] ?? 0,
    );
    await request(b.url).get('/api/v1/community/amis?template=shared');
    const metrics = await request(b.url).get('/metrics');
    const hits = Number(
      /cws_registry_cache_requests_total\{tier="redis",result="hit"\} (\d+)/.exec(metrics.text)?.[1] ?? 0,
    );
    expect(hits).toBe(hitsBefore + 1);
  });
});

describe.skipIf(!redisUrl)('Redis going away', () => {
  let reg: TestRegistry;
  let proxy: TcpProxy;
  let token: string;
  let rater: string;
  beforeAll(async () => {
    const target = new URL(redisUrl!);
    proxy = new TcpProxy(target.hostname, Number(target.port || 6379));
    const port = await proxy.start();
    reg = await startRegistry({
      redisUrl: `redis://127.0.0.1:${port}`,
      config: { rateLimit: { readPerMinute: 1000, writePerMinute: 1000 } },
    });
    token = await createUser(reg, 'alice');
    rater = await createUser(reg, 'rater'); // owners cannot rate their own listings
  });
  afterAll(async () => {
    await reg?.close();
    await proxy?.cut();
  });

  it('keeps serving reads and writes from the database, then recovers', async () => {
    await publish(reg, token, publishBody('before', { template: 'outage' }));
    expect((await request(reg.url).get('/api/v1/resolve/outage?region=us-east-1')).status).toBe(200);

    await proxy.cut();
    await eventually(
      async () => reg.server.ctx.redis!.up,
      (up) => !up,
    );
    const ready = await request(reg.url).get('/readyz');
    expect(ready.body).toMatchObject({ status: 'ready', redis: 'degraded' });
    // Writes succeed and are visible at once on this replica.
    await publish(reg, token, publishBody('during', { template: 'outage2' }));
    const during = await request(reg.url).get('/api/v1/resolve/outage2?region=us-east-1');
    expect(during.status).toBe(200);
    const rated = await request(reg.url)
      .put('/api/v1/listings/alice/during/rating')
      .set('Authorization', `Bearer ${rater}`)
      .send({ rating: 4 });
    expect(rated.status).toBe(200);
    expect((await request(reg.url).get('/api/v1/listings/alice/during')).body.rating.count).toBe(1);

    await proxy.restore();
    await eventually(
      async () => reg.server.ctx.redis!.up,
      (up) => up,
      10_000,
    );
    expect((await request(reg.url).get('/readyz')).body.redis).toBe('ok');
    await publish(reg, token, publishBody('after', { template: 'outage3' }));
    expect((await request(reg.url).get('/api/v1/resolve/outage3?region=us-east-1')).status).toBe(200);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After once the budget is spent, per token', async () => {
    const reg = await startRegistry({
      redisUrl: redisUrl ?? null,
      config: { rateLimit: { readPerMinute: 5, writePerMinute: 2 } },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await request(reg.url).get('/api/v1/community/amis')).status);
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      const limited = await request(reg.url).get('/api/v1/community/amis');
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // A token has its own budget: the admin is not limited by the anonymous IP's spending.
      const me = await request(reg.url).get('/api/v1/me').set('Authorization', `Bearer ${reg.adminToken}`);
      expect(me.status).toBe(200);
      const writes = [];
      for (let i = 0; i < 3; i++)
        writes.push(
          (
            await request(reg.url)
              .post('/api/v1/tokens')
              .set('Authorization', `Bearer ${reg.adminToken}`)
              .send({ name: `t${i}` })
          ).status,
        );
      expect(writes).toEqual([201, 201, 429]);
    } finally {
      await reg.close();
    }
  });
});
