import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

// The path of a cached resolve is trimmed for speed (the answer kept as bytes, no promise for an
// anonymous request or for limits that are off, the NUL check skipped for URLs without "%00",
// one drain listener): every header and behaviour it had is asserted here over real HTTP.

async function localHits(reg: TestRegistry): Promise<number> {
  const metric = await reg.server.ctx.metrics.cacheRequests.get();
  return metric.values.find((v) => v.labels.tier === 'local' && v.labels.result === 'hit')?.value ?? 0;
}

describe('the cached resolve path', () => {
  let reg: TestRegistry;
  let token: string;
  const url = '/api/v1/resolve/hot-path?region=us-east-1';
  beforeAll(async () => {
    reg = await startRegistry();
    token = await createUser(reg, 'hot-owner');
    await publish(reg, token, publishBody('hot', { template: 'hot-path' }));
    await reg.server.ctx.services.verification.idle();
    await new Promise((r) => setTimeout(r, 100));
    await reg.server.ctx.jobs.idle(['scan-region']);
  });
  afterAll(() => reg?.close());

  it('answers a cache hit with the bytes and headers of the first answer', async () => {
    const first = await request(reg.url).get(url);
    expect(first.status).toBe(200);
    const hitsBefore = await localHits(reg);
    const second = await request(reg.url).get(url);
    expect(await localHits(reg)).toBe(hitsBefore + 1);
    expect(second.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(second.body.listing.ref).toBe('hot-owner/hot');
    for (const res of [first, second]) {
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.text)));
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers.etag).toBeUndefined();
    }
    // HEAD: the same headers, no body.
    const head = await request(reg.url).head(url);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(first.headers['content-length']);
    expect(head.text ?? '').toBe('');
  });

  it('counts the cached answer in the metrics under its route and leaves nothing in flight', async () => {
    await request(reg.url).get(url).expect(200);
    const text = (await request(reg.url).get('/metrics')).text;
    const line = text
      .split('\n')
      .find((l) => l.startsWith('cws_registry_http_requests_total') && l.includes('route="/api/v1/resolve/:template"'));
    expect(line).toMatch(/method="GET"/);
    expect(line).toMatch(/status="200"/);
    expect(Number(line?.split(' ').at(-1))).toBeGreaterThanOrEqual(2);
    // A request leaves the count on 'close', just after its answer went out: allow it a moment.
    for (let i = 0; i < 150 && reg.server.ctx.drain.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(reg.server.ctx.drain.inFlight).toBe(0);
  });

  it('still refuses NUL in the query and the path, and a token it does not know', async () => {
    const query = await request(reg.url).get(`${url}&channel=a%00b`);
    expect(query.status).toBe(400);
    expect(query.body.error.message).toMatch(/^query\.channel: NUL characters are not allowed/);
    const path = await request(reg.url).get('/api/v1/resolve/hot%00path?region=us-east-1');
    expect(path.status).toBe(400);
    expect(path.body.error.message).toMatch(/^path: NUL/);
    const unknown = await request(reg.url).get(url).set('Authorization', 'Bearer cws_not_a_token');
    expect(unknown.status).toBe(401);
    const malformed = await request(reg.url).get(url).set('Authorization', 'Token abc');
    expect(malformed.status).toBe(401);
    const signedIn = await request(reg.url).get(url).set('Authorization', `Bearer ${token}`);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.listing.ref).toBe('hot-owner/hot');
  });
});

describe('the cached resolve path with rate limits on', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry({ config: { rateLimit: { readPerMinute: 3, writePerMinute: 0 } } });
    const token = await createUser(reg, 'limited-owner');
    await publish(reg, token, publishBody('limited', { template: 'limited-path' }));
  });
  afterAll(() => reg?.close());

  it('spends the read budget on cached answers too, and 429s with Retry-After once it is spent', async () => {
    const url = '/api/v1/resolve/limited-path?region=us-east-1';
    const statuses: number[] = [];
    let last: request.Response | null = null;
    for (let i = 0; i < 5; i++) {
      last = await request(reg.url).get(url);
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
    expect(last?.body.error.code).toBe('rate_limited');
  });
});

describe('a replica that is shutting down', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry();
  });
  afterAll(() => reg?.close());

  it('answers 503 with Retry-After, Connection: close and no-store (no res.json closure per request any more)', async () => {
    await reg.server.ctx.drain.drain(0);
    const res = await request(reg.url).get('/api/v1/resolve/anything?region=us-east-1');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('unavailable');
    expect(res.headers['retry-after']).toBe('2');
    expect(res.headers.connection).toBe('close');
    expect(res.headers['cache-control']).toBe('no-store');
  });
});
