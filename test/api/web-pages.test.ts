import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, fakeAmi, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { signIn } from '../web/sign-in.js';

let reg: TestRegistry;
let mallory: string;
const XSS = `<script>alert("x")</script><img src=x onerror=alert(1)>`;

beforeAll(async () => {
  reg = await startRegistry({ demo: true });
  mallory = await createUser(reg, 'mallory');
  await publish(
    reg,
    mallory,
    publishBody('sneaky', { description: `Looks fine ${XSS}`, template: 'python-ml', category: 'machine-learning' }),
  );
  await request(reg.url)
    .put('/api/v1/listings/mallory/sneaky/rating')
    .set('Authorization', `Bearer ${mallory}`)
    .send({ rating: 5, review: XSS });
});
afterAll(() => reg?.close());

const get = (path: string) => request(reg.url).get(path);

describe('web pages over HTTP', () => {
  it('serves the catalogue with a strict CSP and the usual security headers', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('same-origin');
    expect(res.text).not.toMatch(/<script>|<script [^>]*>[^<]/); // no inline script, only src=
    expect(res.text).not.toMatch(/ style="/); // no inline styles either
    expect(res.text).toContain('ml-commons/');
    // The API keeps its JSON, including its own 404s.
    expect((await get('/api/v1')).body).toMatchObject({ name: 'cws-registry', openapi: '/api/v1/openapi.json' });
    const apiMissing = await get('/api/v1/nothing-here');
    expect(apiMissing.status).toBe(404);
    expect(apiMissing.body.error.code).toBe('not_found');
    expect(apiMissing.headers['content-security-policy']).toBeUndefined();
  });

  it('serves one stylesheet and one script with a content hash and a year-long cache', async () => {
    const page = (await get('/')).text;
    const css = /href="(\/assets\/style\.[0-9a-f]{10}\.css)"/.exec(page)![1]!;
    const js = /src="(\/assets\/app\.[0-9a-f]{10}\.js)"/.exec(page)![1]!;
    const sheet = await get(css);
    expect(sheet.status).toBe(200);
    expect(sheet.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(sheet.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(sheet.text).toContain('prefers-color-scheme:dark');
    expect(Number(sheet.headers['content-length'])).toBeLessThan(4000); // compressed
    expect((await get(js)).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/assets/style.0000000000.css')).status).toBe(404);
  });

  it('searches with typo tolerance and facets, keeping the query in links', async () => {
    const res = await get('/?q=pytroch');
    expect(res.status).toBe(200);
    expect(res.text).toContain('/l/ml-commons/pytorch-cuda');
    expect(res.text).not.toContain('/l/rstats-uni/');
    const faceted = await get('/?template=r-research&region=eu-west-1&sort=name');
    const hits = [...faceted.text.matchAll(/href="\/l\/([^"]+)"/g)].map((m) => m[1]);
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h!.startsWith('rstats-uni/'))).toBe(true);
    expect(faceted.text).toContain('<option value="r-research" selected>');
    expect(faceted.text).toContain('aria-label="Remove filter Template: r-research"');
    const arm = await get('/?architecture=arm64');
    expect(arm.text).toContain('/l/base-images/ubuntu-2404-arm');
    expect(arm.text).not.toContain('/l/base-images/ubuntu-2404-hardened');
    // The demo's julia listing is not verified (data/demo-activity.yaml).
    const verified = await get('/?verified=true&template=julia');
    expect(verified.text).toContain('No images match');
  });

  it('answers a bad parameter with a 400 error page that links to the search without it', async () => {
    const res = await get('/?min_rating=9&template=python-ml');
    expect(res.status).toBe(400);
    expect(res.text).toContain('<h1>That search did not work</h1>');
    expect(res.text).toContain('min rating:');
    // Not the normal page: no results that would look like an answer.
    expect(res.text).not.toContain('/l/ml-commons/pytorch-cuda');
    expect(res.text).toContain('<a href="/?template=python-ml">Search without the parts that did not work</a>');
    const sort = await get('/?sort=bogus');
    expect(sort.status).toBe(400);
    expect(sort.text).toContain('<h1>That search did not work</h1>');
    expect(sort.text).toMatch(/<li>sort: [^<]*relevance/);
    expect(sort.text).not.toContain('class="results"');
    expect(sort.text).toContain('<a href="/">See every image</a>');
    expect((await get('/?cursor=garbage')).status).toBe(400);
  });

  it('says "1 download", "N ratings" and "4.6 out of 5"', async () => {
    const matlab = await get('/l/engineering-it/matlab-byol'); // 1 download, 1 rating in the demo
    expect(matlab.text).toContain('<li id="downloads">1 download</li>');
    expect(matlab.text).toMatch(/3\.0 out of 5\s+\(1 rating\)/);
    const torch = await get('/l/ml-commons/pytorch-cuda');
    expect(torch.text).toContain('<li id="downloads">1,342 downloads</li>');
    expect(torch.text).toMatch(/4\.6 out of 5\s+\(7 ratings\)/);
    expect(torch.text).toContain('<span id="rating-count">7 ratings</span>');
    const list = await get('/?template=matlab');
    expect(list.text).toContain('<li>1 download</li>');
    for (const page of [matlab.text, torch.text, list.text]) {
      expect(page).not.toMatch(/\b1 downloads\b|\(s\)|\b1 ratings\b|\b1 launches\b/);
    }
  });

  it('pages with a cursor that keeps the query and filters', async () => {
    const owner = await createUser(reg, 'bulk');
    for (let i = 0; i < 23; i++) await publish(reg, owner, publishBody(`bulk-${String(i).padStart(2, '0')}`));
    const first = await get('/?template=python-ml&sort=name');
    const next = /href="([^"]+)" rel="next"/.exec(first.text)![1]!.replaceAll('&amp;', '&');
    expect(next).toMatch(/^\/\?template=python-ml&sort=name&cursor=/);
    const second = await get(next);
    const names = (t: string) => [...t.matchAll(/href="\/l\/([^"]+)"/g)].map((m) => m[1]);
    expect(names(first.text)).toHaveLength(20);
    const rest = names(second.text);
    expect(rest.length).toBeGreaterThan(0);
    expect(rest.some((n) => names(first.text).includes(n))).toBe(false);
    expect(second.text).toContain('← First page');
  });

  it('shows a listing: images by region and architecture, versions, launch line, placeholders', async () => {
    const res = await get('/l/ml-commons/pytorch-cuda');
    expect(res.status).toBe(200);
    expect(res.text).toContain('ami-4f58d669cbee3772a');
    expect(res.text).toContain('data-copy="ami-4f58d669cbee3772a"');
    // A newcomer's lines: add the registry, get the template (the listing carries it), launch.
    expect(res.text).toMatch(/data-copy="cws registry add community http:\/\/127\.0\.0\.1:\d+"/);
    expect(res.text).toContain(
      'data-copy="cws template fetch ml-commons/pytorch-cuda &amp;&amp; cws launch python-ml my-workspace --region us-east-1"',
    );
    expect(res.text).toContain('v2.4.1');
    expect(res.text).toContain('<a href="/login">Sign in</a> to rate');
    // A demo listing nobody scanned or verified shows the placeholders.
    const plain = await get('/l/rstats-uni/bioconductor-3.20');
    expect(plain.text).toContain('Not scanned yet.');
    expect(plain.text).toContain('Not verified yet');
  });

  it('says why images are not scanned, and shows the new-finding mark of a listing', async () => {
    // The scan queued after publishing cannot run here (no AWS access): the page gives its reason.
    let text = '';
    for (let i = 0; i < 200 && !/no AWS access/.test(text); i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      text = (await get('/l/mallory/sneaky')).text;
    }
    expect(text).toMatch(
      /<ul class="small" id="not-scanned"><li><code>us-east-1<\/code> x86_64: not scanned: the registry has no AWS access/,
    );
    expect(text).not.toContain('id="scan-alert"');
    expect(text).toContain('<p id="no-findings">Not scanned yet: there are no findings to show');
    const db = reg.database.db;
    const image = await db.selectFrom('images').select('id').where('name', '=', 'sneaky').executeTakeFirstOrThrow();
    await db
      .updateTable('images')
      .set({ new_finding_since: new Date('2026-11-30T12:00:00Z') })
      .where('id', '=', image.id)
      .execute();
    await db
      .insertInto('audit_log')
      .values({
        actor_id: null,
        action: 'scan.new_finding',
        image_id: image.id,
        details: { vulnerability_ids: ['CVE-2026-0042'], critical: 1 },
      })
      .execute();
    await reg.server.ctx.cache.invalidate('test');
    const marked = (await get('/l/mallory/sneaky')).text;
    expect(marked).toMatch(
      /id="scan-alert"><p><strong>New critical finding since <time datetime="2026-11-30T12:00:00.000Z">2026-11-30<\/time>.<\/strong>\s+A rescan found CVE-2026-0042/,
    );
  });

  it('escapes user text everywhere: names are slugs, descriptions and reviews are text', async () => {
    for (const path of ['/l/mallory/sneaky', '/?q=sneaky']) {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain('<script>alert');
      expect(res.text).not.toContain('<img src=x');
      expect(res.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    }
    // A query string is user text too.
    const q = await get(`/?q=${encodeURIComponent('"><script>alert(1)</script>')}`);
    expect(q.text).not.toContain('<script>alert(1)');
    expect(q.text).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
  });

  it('shows deprecated and revoked versions with their reasons', async () => {
    const token = await createUser(reg, 'lifecycle');
    await publish(reg, token, publishBody('old-stack'));
    const auth = { Authorization: `Bearer ${token}` };
    const added = await request(reg.url)
      .post('/api/v1/listings/lifecycle/old-stack/versions')
      .set(auth)
      .send({
        version: '2.0.0',
        changelog: 'Adds Graviton.\n<b>not bold</b>',
        regions: [
          { region: 'us-east-1', architecture: 'x86_64', ami_id: fakeAmi() },
          { region: 'us-east-1', architecture: 'arm64', ami_id: fakeAmi() },
          { region: 'eu-west-1', architecture: 'arm64', ami_id: fakeAmi() },
        ],
      });
    expect(added.status).toBe(201);
    let page = (await get('/l/lifecycle/old-stack')).text;
    // Region x architecture: both columns, a dash where eu-west-1 has no x86_64 image.
    expect(page).toContain('<th scope="col">arm64</th><th scope="col">x86_64</th>');
    expect(page).toMatch(
      /<code>eu-west-1<\/code><\/th><td><div class="ami">.*?<\/td><td><span class="small">—<\/span><\/td>/s,
    );
    expect(page).toContain('<pre>Adds Graviton.\n&lt;b&gt;not bold&lt;/b&gt;</pre>');
    expect(page).toContain('<summary>Images of v1.0.0</summary>');
    await request(reg.url)
      .post('/api/v1/listings/lifecycle/old-stack/versions/2.0.0/deprecate')
      .set(auth)
      .send({ reason: 'use new-stack instead' });
    page = (await get('/l/lifecycle/old-stack')).text;
    expect(page).toContain('<strong>Deprecated.</strong> use new-stack instead');
    for (const v of ['1.0.0', '2.0.0']) {
      await request(reg.url)
        .post(`/api/v1/listings/lifecycle/old-stack/versions/${v}/revoke`)
        .set(auth)
        .send({ reason: 'CVE-2026-0001 in <openssl>' });
    }
    page = (await get('/l/lifecycle/old-stack')).text;
    expect(page).toContain(
      '<strong>Revoked.</strong> Every version of this image was revoked: CVE-2026-0001 in &lt;openssl&gt;',
    );
    expect(page).toContain('<span class="badge bad"');
  });

  it('answers unknown pages and listings with an HTML 404', async () => {
    for (const path of ['/l/nobody/nothing', '/l/BAD_OWNER/x', '/no/such/page']) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.text).toContain('<h1>Not found</h1>');
    }
  });

  it('shows private listings only to their owner, on My listings', async () => {
    const token = await createUser(reg, 'secretive');
    await publish(reg, token, publishBody('hidden-thing', { visibility: 'private' }));
    expect((await get('/l/secretive/hidden-thing')).status).toBe(404);
    expect((await get('/my/listings')).status).toBe(303);
    const { cookie } = await signIn(reg, token);
    const mine = await get('/my/listings').set('Cookie', cookie);
    expect(mine.text).toContain('/l/secretive/hidden-thing');
    expect(mine.text).toContain('>private<');
    expect((await get('/l/secretive/hidden-thing').set('Cookie', cookie)).status).toBe(200);
  });
});

describe('rate limits on pages', () => {
  it('answers 429 with Retry-After as an HTML page once the budget is spent', async () => {
    const limited = await startRegistry({
      shareDatabaseWith: reg,
      config: { rateLimit: { readPerMinute: 3, writePerMinute: 1 } },
    });
    try {
      for (let i = 0; i < 3; i++) expect((await request(limited.url).get('/')).status).toBe(200);
      const res = await request(limited.url).get('/l/ml-commons/pytorch-cuda');
      expect(res.status).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(res.text).toContain('Too many requests');
    } finally {
      await limited.close();
    }
  });
});
