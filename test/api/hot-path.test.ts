import { request as httpRequest } from 'node:http';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createUser, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

// The path of a cached resolve is trimmed for speed (the answer kept as bytes, no promise for an
// anonymous request or for limits that are off, the NUL check skipped for URLs without "%00",
// one drain listener): every header and behaviour it had is asserted here over real HTTP.

async function localHits(reg: TestRegistry): Promise<number> {
  const metric = await reg.server.ctx.metrics.cacheRequests.get();
  return metric.values.find((v) => v.labels.tier === 'local' && v.labels.result === 'hit')?.value ?? 0;
}

/** Waits until a publish's background work (verification, the region scans it queued) is done. */
async function settled(reg: TestRegistry): Promise<void> {
  await reg.server.ctx.services.verification.idle();
  await new Promise((r) => setTimeout(r, 100));
  await reg.server.ctx.jobs.idle(['scan-region']);
}

/**
 * Spies on which path answers a resolve: requests that reached Express (`full`), answers of the
 * lean path from the cache (hits found by cached(), `lean`), and calls of the resolve service
 * (`resolved`: by the route, or by the lean path for a request it had no cached answer to). A
 * request answered in front of Express by resolving it is {full: 0, lean: 0, resolved: 1}. The
 * function returned runs fn and says how many of each it caused.
 */
function countPaths(reg: TestRegistry) {
  let full = 0;
  let lean = 0;
  let resolved = 0;
  const service = reg.server.ctx.services.resolve;
  const resolve = service.resolve.bind(service);
  const cached = service.cached.bind(service);
  // Express's app(req, res) calls app.handle(req, res, next): every request that reaches Express.
  const app = reg.server.app as unknown as { handle: (...args: unknown[]) => unknown };
  const handle = app.handle.bind(app);
  vi.spyOn(app, 'handle').mockImplementation((...args) => {
    full += 1;
    return handle(...args);
  });
  vi.spyOn(service, 'resolve').mockImplementation((...args) => {
    resolved += 1;
    return resolve(...args);
  });
  vi.spyOn(service, 'cached').mockImplementation((...args) => {
    const answer = cached(...args);
    if (answer) lean += 1;
    return answer;
  });
  return async <T>(fn: () => Promise<T>): Promise<{ result: T; full: number; lean: number; resolved: number }> => {
    const [f, l, r] = [full, lean, resolved];
    const result = await fn();
    return { result, full: full - f, lean: lean - l, resolved: resolved - r };
  };
}

describe('the cached resolve path', () => {
  let reg: TestRegistry;
  let token: string;
  const url = '/api/v1/resolve/hot-path?region=us-east-1';
  beforeAll(async () => {
    reg = await startRegistry();
    token = await createUser(reg, 'hot-owner');
    await publish(reg, token, publishBody('hot', { template: 'hot-path' }));
    await settled(reg);
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
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});

/** One request over node:http: the status, the headers in the order they were sent, the body. */
function raw(
  base: string,
  path: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        // Date changes between answers; Connection and Keep-Alive are node's, the same for both paths.
        const names: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (res.rawHeaders[i]!.toLowerCase() !== 'date') names.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        }
        resolve({ status: res.statusCode ?? 0, headers: names, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the lean path of cached resolves (in front of Express)', () => {
  let reg: TestRegistry;
  let token: string;
  const logs: Array<Record<string, unknown>> = [];
  // Which path answered each request (countPaths).
  let paths: ReturnType<typeof countPaths>;
  const base = '/api/v1/resolve/lean-path';
  beforeAll(async () => {
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    reg = await startRegistry({ logger });
    token = await createUser(reg, 'lean-owner');
    await publish(reg, token, publishBody('lean', { template: 'lean-path' }, ['us-east-1', 'eu-west-1']));
    await settled(reg);
    paths = countPaths(reg);
  });
  afterAll(() => reg?.close());

  it('answers anonymous GETs in front of Express with the bytes and headers of the full stack', async () => {
    const url = `${base}?region=us-east-1&architecture=x86_64`;
    // Express routes paths case-insensitively; the lean path takes only the API's own spelling,
    // so this one goes through the full stack: the answer to compare with.
    const viaExpress = await paths(() =>
      raw(reg.url, `/API/V1/resolve/lean-path?region=us-east-1&architecture=x86_64`),
    );
    expect(viaExpress).toMatchObject({ full: 1, lean: 0, resolved: 1 });
    expect(viaExpress.result.status).toBe(200);
    // Resolved in front of Express (its cache entry is the one the full stack made).
    const first = await paths(() => raw(reg.url, url));
    expect(first).toMatchObject({ full: 0, lean: 0, resolved: 1 });
    const reordered = await paths(() => raw(reg.url, `${base}?architecture=x86_64&region=us-east-1`));
    expect(reordered).toMatchObject({ full: 0, lean: 0, resolved: 1 });
    // Asked again by the same raw URL: the cached bytes, without parsing anything.
    const hit = await paths(() => raw(reg.url, url));
    expect(hit).toMatchObject({ full: 0, lean: 1, resolved: 0 });
    const again = await paths(() => raw(reg.url, `${base}?architecture=x86_64&region=us-east-1`));
    expect(again).toMatchObject({ full: 0, lean: 1, resolved: 0 });
    for (const r of [viaExpress, reordered, hit, again]) {
      expect(r.result.status).toBe(200);
      expect(r.result.body).toBe(first.result.body);
      expect(r.result.headers).toEqual(first.result.headers);
    }
    expect(first.result.headers.slice(0, 4)).toEqual([
      'X-Content-Type-Options: nosniff',
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(first.result.body)}`,
      'Cache-Control: no-store',
    ]);
    expect(JSON.parse(first.result.body).listing.ref).toBe('lean-owner/lean');
    // HEAD: the same headers, no body, from the lean path too.
    const head = await paths(() => raw(reg.url, url, 'HEAD'));
    expect(head).toMatchObject({ full: 0, lean: 1 });
    expect(head.result.headers).toEqual(first.result.headers);
    expect(head.result.body).toBe('');
  });

  it('takes percent-encoded spellings of the same request, each its own key, with the same answer', async () => {
    const plain = await raw(reg.url, `${base}?region=eu-west-1`);
    const encoded = `/api/v1/resolve/lean%2Dpath?region=eu%2Dwest%2D1`;
    const first = await paths(() => raw(reg.url, encoded));
    const second = await paths(() => raw(reg.url, encoded));
    expect(first).toMatchObject({ full: 0, lean: 0, resolved: 1 });
    expect(second).toMatchObject({ full: 0, lean: 1, resolved: 0 });
    for (const r of [first, second]) {
      expect(r.result.status).toBe(200);
      expect(r.result.body).toBe(plain.body);
    }
    expect(JSON.parse(plain.body).region).toBe('eu-west-1');
  });

  it('leaves requests with a token, other methods and other spellings of the prefix to the full stack', async () => {
    const url = `${base}?region=us-east-1`;
    await raw(reg.url, url);
    expect((await paths(() => raw(reg.url, url))).lean).toBe(1);
    const signedIn = await paths(() => raw(reg.url, url, 'GET', { authorization: `Bearer ${token}` }));
    expect(signedIn).toMatchObject({ full: 1, lean: 0, resolved: 1 });
    expect(signedIn.result.status).toBe(200);
    const unknown = await paths(() => raw(reg.url, url, 'GET', { authorization: 'Bearer cws_not_a_token' }));
    expect(unknown).toMatchObject({ full: 1, lean: 0, resolved: 0 });
    expect(unknown.result.status).toBe(401);
    const post = await paths(() => raw(reg.url, url, 'POST'));
    expect(post).toMatchObject({ full: 1, lean: 0, resolved: 0 });
    expect(post.result.status).toBe(404);
    // Express routes paths case-insensitively; its metrics label would differ: never lean. A
    // trailing slash and a second segment: Express's to route (or not).
    const upper = `/API/V1/resolve/lean-path?region=us-east-1`;
    for (let i = 0; i < 2; i++) expect(await paths(() => raw(reg.url, upper))).toMatchObject({ full: 1, lean: 0 });
    const slash = await paths(() => raw(reg.url, `${base}/?region=us-east-1`));
    expect(slash).toMatchObject({ full: 1, lean: 0, resolved: 1 });
    expect(slash.result.body).toBe((await raw(reg.url, url)).body);
    const deeper = await paths(() => raw(reg.url, `${base}/more?region=us-east-1`));
    expect(deeper).toMatchObject({ full: 1, lean: 0, resolved: 0 });
    expect(deeper.result.status).toBe(404);
  });

  it('answers non-Latin, malformed and unknown input with 4xx through the full stack, every time', async () => {
    const cases: Array<[string, number]> = [
      [`/api/v1/resolve/%E3%83%87%E3%83%BC%E3%82%BF?region=us-east-1`, 400],
      [`${base}?region=%E3%83%87%E3%83%BC%E3%82%BF`, 400],
      [`${base}?region=us-east-1&architecture=%E3%83%87`, 400],
      [`/api/v1/resolve/lean%E3%8?region=us-east-1`, 400],
      [`${base}?region=us-east-1&channel=a%00b`, 400],
      [`${base}?region=us-east-1&min_rating=lots`, 400],
      [`${base}?region=us-east-1&severity_mode=block`, 400],
      [`${base}?region=us-east-1&region=eu-west-1`, 400],
      [`/api/v1/resolve/no-such-template?region=us-east-1`, 404],
    ];
    for (const [url, status] of cases) {
      for (let i = 0; i < 2; i++) {
        const r = await paths(() => raw(reg.url, url));
        // Refused by the route's schemas: straight to the app. The miss: resolved once, in front
        // of Express, and its error handed to the app to answer (not resolved a second time).
        expect(r, url).toMatchObject({ full: 1, lean: 0, resolved: status === 404 ? 1 : 0 });
        expect(r.result.status, url).toBe(status);
        expect(JSON.parse(r.result.body).error.code, url).toBeTypeOf('string');
        expect(r.result.headers, url).toContain('X-Content-Type-Options: nosniff');
      }
    }
  });

  it('counts downloads, metrics and log lines as the full stack does', async () => {
    const url = `${base}?region=us-east-1&architecture=x86_64`;
    await raw(reg.url, url);
    await reg.server.ctx.downloads.flush();
    const metric = async () => {
      const m = await reg.server.ctx.metrics.httpRequests.get();
      const found = m.values.find(
        (v) => v.labels.route === '/api/v1/resolve/:template' && v.labels.method === 'GET' && v.labels.status === '200',
      );
      return found?.value ?? 0;
    };
    const before = await metric();
    const hitsBefore = await localHits(reg);
    const logged = logs.length;
    const r = await paths(() => raw(reg.url, url));
    expect(r.lean).toBe(1);
    // A download pending for the client address, as resolve() counts it.
    expect(reg.server.ctx.downloads.pending).toBe(1);
    // count=false: none.
    const uncounted = `${url}&count=false`;
    await raw(reg.url, uncounted);
    await reg.server.ctx.downloads.flush();
    expect((await paths(() => raw(reg.url, uncounted))).lean).toBe(1);
    expect(reg.server.ctx.downloads.pending).toBe(0);
    for (let i = 0; i < 150 && reg.server.ctx.drain.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(reg.server.ctx.drain.inFlight).toBe(0);
    expect(await metric()).toBe(before + 3);
    expect(await localHits(reg)).toBe(hitsBefore + 3);
    const lines = logs.slice(logged).filter((l) => l.msg === 'request completed');
    expect(lines.map((l) => (l.req as { url: string }).url)).toEqual([url, uncounted, uncounted]);
    const ids = lines.map((l) => (l.req as { id: number }).id);
    expect(ids[1]).toBe(ids[0]! + 1);
    expect(ids[2]).toBe(ids[1]! + 1);
    expect(lines[0]).toMatchObject({ level: 20, res: { statusCode: 200 } });
  });

  it('resolves again once a write made the answer stale', async () => {
    const url = `${base}?region=us-east-1&architecture=x86_64`;
    await raw(reg.url, url);
    expect((await paths(() => raw(reg.url, url))).lean).toBe(1);
    await reg.server.ctx.cache.invalidate('test', { touches: ['resolve'] });
    expect(await paths(() => raw(reg.url, url))).toMatchObject({ full: 0, lean: 0, resolved: 1 });
    expect((await paths(() => raw(reg.url, url))).lean).toBe(1);
  });

  it('while draining, answers 503 through the full stack, logged, with nosniff', async () => {
    const url = `${base}?region=us-east-1&architecture=x86_64`;
    await raw(reg.url, url);
    expect((await paths(() => raw(reg.url, url))).lean).toBe(1);
    const logged = logs.length;
    await reg.server.ctx.drain.drain(0);
    const r = await paths(() => raw(reg.url, url));
    expect(r).toMatchObject({ full: 1, lean: 0, resolved: 0 });
    expect(r.result.status).toBe(503);
    expect(r.result.headers).toContain('X-Content-Type-Options: nosniff');
    expect(r.result.headers).toContain('Retry-After: 2');
    expect(JSON.parse(r.result.body).error.code).toBe('unavailable');
    const line = logs.slice(logged).find((l) => l.msg === 'request completed');
    expect(line).toMatchObject({ level: 50, req: { method: 'GET', url }, res: { statusCode: 503 } });
  });
});

describe('the lean path with read limits on (the default)', () => {
  let reg: TestRegistry;
  const logs: Array<Record<string, unknown>> = [];
  let counted: ReturnType<typeof countPaths>;
  const url = '/api/v1/resolve/limited-lean?region=us-east-1';
  // The same request by a spelling the lean path leaves to the full stack (Express routes paths
  // case-insensitively): the full stack's answer, and its 429, to compare with.
  const upper = '/API/V1/resolve/limited-lean?region=us-east-1';
  const LIMIT = 6;
  beforeAll(async () => {
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    reg = await startRegistry({ logger, config: { rateLimit: { readPerMinute: LIMIT, writePerMinute: 0 } } });
    const token = await createUser(reg, 'limited-lean-owner');
    await publish(reg, token, publishBody('limited', { template: 'limited-lean' }));
    await settled(reg);
    counted = countPaths(reg);
  });
  afterAll(() => reg?.close());

  async function paths(
    path: string,
  ): Promise<{ full: number; lean: number; resolved: number; status: number; headers: string[]; body: string }> {
    const { result, full, lean, resolved } = await counted(() => raw(reg.url, path));
    return { ...result, full, lean, resolved };
  }

  async function refusedReads(): Promise<number> {
    const metric = await reg.server.ctx.metrics.rateLimited.get();
    return metric.values.find((v) => v.labels.kind === 'read')?.value ?? 0;
  }

  it('shares one budget between lean and full answers, and refuses the one over it as the full stack does', async () => {
    // NUL in the URL: refused (400) before the limit by the full stack, never charged.
    for (let i = 0; i < 3; i++) expect((await paths(`${url}&channel=a%00b`)).status).toBe(400);
    const answers = [];
    // Lean and full requests, alternated, of one client address: LIMIT of them are answered.
    for (const path of [url, url, upper, url, upper, url]) answers.push(await paths(path));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers.map((a) => a.lean)).toEqual([0, 1, 0, 1, 0, 1]);
    // The first resolved in front of Express, the upper-case ones through it.
    expect(answers.map((a) => a.full)).toEqual([0, 0, 1, 0, 1, 0]);
    expect(answers.map((a) => a.resolved)).toEqual([1, 0, 1, 0, 1, 0]);
    // The lean answers are the full stack's, byte for byte and header for header.
    for (const a of answers) {
      expect(a.body).toBe(answers[0]!.body);
      expect(a.headers).toEqual(answers[0]!.headers);
    }
    expect(JSON.parse(answers[0]!.body).listing.ref).toBe('limited-lean-owner/limited');

    const refusedBefore = await refusedReads();
    const logged = logs.length;
    const overLean = await paths(url);
    const overFull = await paths(upper);
    const head = await raw(reg.url, url, 'HEAD');
    for (const over of [overLean, overFull]) {
      // Refused: handed to the app for its 429, never resolved.
      expect(over).toMatchObject({ status: 429, full: 1, lean: 0, resolved: 0 });
      expect(JSON.parse(over.body).error.code).toBe('rate_limited');
      expect(over.headers).toContain('X-Content-Type-Options: nosniff');
      expect(Number(over.headers.find((h) => h.startsWith('Retry-After: '))?.slice(13))).toBeGreaterThan(0);
    }
    // The same 429: headers and body (Retry-After and the message's seconds may tick between the two).
    const seconds = (s: string) => s.replace(/\d+/g, 'N');
    expect(overLean.headers.map(seconds)).toEqual(overFull.headers.map(seconds));
    expect(seconds(overLean.body)).toBe(seconds(overFull.body));
    expect(head.status).toBe(429);
    // Counted once each (not twice for the lean one handed on to the app), logged at info.
    expect(await refusedReads()).toBe(refusedBefore + 3);
    const lines = logs.slice(logged).filter((l) => l.msg === 'request completed');
    expect(
      lines.map((l) => [(l.req as { url: string }).url, l.level, (l.res as { statusCode: number }).statusCode]),
    ).toEqual([
      [url, 30, 429],
      [upper, 30, 429],
      [url, 30, 429],
    ]);
    const metric = await reg.server.ctx.metrics.httpRequests.get();
    const refused = metric.values.filter((v) => v.labels.status === '429');
    expect(refused.map((v) => [v.labels.method, v.labels.route, v.value]).sort()).toEqual(
      [
        ['GET', 'unmatched', 2],
        ['HEAD', 'unmatched', 1],
      ].sort(),
    );
    for (let i = 0; i < 150 && reg.server.ctx.drain.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(reg.server.ctx.drain.inFlight).toBe(0);
  });
});

describe('a drain that begins while the lean path waits for the limiter', () => {
  let reg: TestRegistry;
  const url = '/api/v1/resolve/drain-lean?region=us-east-1';
  beforeAll(async () => {
    reg = await startRegistry({ config: { rateLimit: { readPerMinute: 100, writePerMinute: 0 } } });
    const token = await createUser(reg, 'drain-lean-owner');
    await publish(reg, token, publishBody('drained', { template: 'drain-lean' }));
  });
  afterAll(() => reg?.close());

  it('answers the requests that arrived before it, counted in flight once, and 503s those after', async () => {
    const { drain, limiter } = reg.server.ctx;
    const consume = limiter.consume.bind(limiter);
    let drained: Promise<void> | null = null;
    // The drain begins once the request was counted in and its read is being spent.
    const spy = vi.spyOn(limiter, 'consume').mockImplementation(async (...args) => {
      drained ??= drain.drain(5_000);
      expect(drain.inFlight).toBe(1);
      return consume(...args);
    });
    // Resolved in front of Express meanwhile: answered (200), not the drain's 503.
    const first = await raw(reg.url, url);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body).listing.ref).toBe('drain-lean-owner/drained');
    await drained;
    expect(drain.inFlight).toBe(0);
    // Spent once, ahead of the app: the app's rateLimit settled that decision.
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    const after = await raw(reg.url, url);
    expect(after.status).toBe(503);
  });
});

describe('cold resolves (cache off) in front of Express', () => {
  let reg: TestRegistry;
  let paths: ReturnType<typeof countPaths>;
  const url = '/api/v1/resolve/cold-path?region=us-east-1&architecture=x86_64';
  // The same request by the spelling the lean path leaves to Express (case-insensitive routing).
  const viaExpress = '/API/V1/resolve/cold-path?region=us-east-1&architecture=x86_64';
  beforeAll(async () => {
    reg = await startRegistry({ config: { cache: { ttlSeconds: 0, maxBytes: 32 << 20, maxEntryBytes: 512 << 10 } } });
    const token = await createUser(reg, 'cold-owner');
    await publish(reg, token, publishBody('cold', { template: 'cold-path' }));
    await settled(reg);
    paths = countPaths(reg);
  });
  afterAll(() => reg?.close());

  it('resolves every request in the database, without Express, answering as the full stack does', async () => {
    expect(reg.server.ctx.cache.enabled).toBe(false);
    const full = await paths(() => raw(reg.url, viaExpress));
    expect(full).toMatchObject({ full: 1, lean: 0, resolved: 1 });
    expect(full.result.status).toBe(200);
    const queries = async () => {
      const m = await reg.server.ctx.metrics.dbQueryDuration.get();
      return m.values.filter((v) => v.metricName?.endsWith('_count')).reduce((n, v) => n + v.value, 0);
    };
    for (let i = 0; i < 3; i++) {
      const before = await queries();
      const r = await paths(() => raw(reg.url, url));
      expect(r).toMatchObject({ full: 0, lean: 0, resolved: 1 });
      // Asked of the database each time: nothing is cached.
      expect(await queries()).toBeGreaterThan(before);
      expect(r.result.status).toBe(200);
      expect(r.result.body).toBe(full.result.body);
      expect(r.result.headers).toEqual(full.result.headers);
    }
    const head = await paths(() => raw(reg.url, url, 'HEAD'));
    expect(head).toMatchObject({ full: 0, lean: 0, resolved: 1 });
    expect(head.result.headers).toEqual(full.result.headers);
    expect(head.result.body).toBe('');
  });

  it('shows a write in the very next answer', async () => {
    const before = JSON.parse((await raw(reg.url, url)).body);
    expect(before.listing.rating.count).toBe(0);
    const rater = await createUser(reg, 'cold-rater');
    await request(reg.url)
      .put('/api/v1/listings/cold-owner/cold/rating')
      .set('Authorization', `Bearer ${rater}`)
      .send({ rating: 4 })
      .expect(200);
    const after = await paths(() => raw(reg.url, url));
    expect(after).toMatchObject({ full: 0, lean: 0, resolved: 1 });
    expect(JSON.parse(after.result.body).listing.rating).toEqual({ average: 4, count: 1 });
  });

  it('hands a miss to the app once (404, resolved once), and what the schemas refuse straight to it', async () => {
    const miss = await paths(() => raw(reg.url, '/api/v1/resolve/cold-path?region=eu-west-1'));
    expect(miss).toMatchObject({ full: 1, lean: 0, resolved: 1 });
    expect(miss.result.status).toBe(404);
    expect(JSON.parse(miss.result.body).error.code).toBe('no_match');
    const viaApp = await raw(reg.url, '/API/V1/resolve/cold-path?region=eu-west-1');
    expect(miss.result.body).toBe(viaApp.body);
    expect(miss.result.headers).toEqual(viaApp.headers);
    const bad = await paths(() => raw(reg.url, '/api/v1/resolve/cold-path?region=us-east-1&min_rating=9'));
    expect(bad).toMatchObject({ full: 1, lean: 0, resolved: 0 });
    expect(bad.result.status).toBe(400);
    expect(JSON.parse(bad.result.body).error.message).toMatch(/min_rating/);
  });
});
