import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { cookieFrom, hidden, loginLink, signIn } from '../web/sign-in.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

let reg: TestRegistry;
let alice: string;
beforeAll(async () => {
  reg = await startRegistry();
  alice = await createUser(reg, 'alice');
  await publish(reg, alice, publishBody('rated-one'));
});
afterAll(() => reg?.close());

/** Opens a sign-in link like a browser: GET the confirmation page, then POST its form. */
async function openLink(url: string) {
  const page = await request(reg.url).get(new URL(url).pathname);
  const nonce = cookieFrom(page, 'cws_login');
  const post = () =>
    request(reg.url)
      .post('/login')
      .set('Cookie', `cws_login=${nonce}`)
      .type('form')
      .send({ code: hidden(page.text, 'code'), nonce: hidden(page.text, 'nonce') });
  return { page, nonce, post };
}

describe('one-time sign-in links', () => {
  it('needs a token, and returns a link that expires in about 5 minutes, stored only as its SHA-256', async () => {
    expect((await request(reg.url).post('/api/v1/web/login-codes')).status).toBe(401);
    const before = Date.now();
    const link = await loginLink(reg, alice);
    expect(link.url).toMatch(new RegExp(`^${reg.url}/login/[A-Za-z0-9_-]{43}$`));
    const ttl = Date.parse(link.expires_at) - before;
    expect(ttl).toBeGreaterThan(4.5 * 60_000);
    expect(ttl).toBeLessThanOrEqual(5 * 60_000 + 1000);
    const code = link.url.split('/').pop()!;
    const rows = await reg.database.db.selectFrom('web_login_codes').selectAll().execute();
    expect(rows.some((r) => r.code_hash === sha256(code))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(code);
  });

  it('shows whose link it is without using it up, then signs in once and only once', async () => {
    const link = await loginLink(reg, alice);
    const first = await openLink(link.url);
    expect(first.page.status).toBe(200);
    expect(first.page.text).toContain('Sign in as alice');
    expect(first.page.headers['cache-control']).toBe('no-store');
    // A link preview fetching the page again does not spend the code.
    expect((await request(reg.url).get(new URL(link.url).pathname)).status).toBe(200);

    const signedIn = await first.post();
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe('/');
    const setCookie = (signedIn.headers['set-cookie'] as unknown as string[]).find((c) =>
      c.startsWith('cws_session='),
    )!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).not.toMatch(/Secure/i); // plain HTTP on loopback
    const session = cookieFrom(signedIn, 'cws_session')!;
    const home = await request(reg.url).get('/').set('Cookie', `cws_session=${session}`);
    expect(home.text).toContain('Signed in as <strong>alice</strong>');

    // The session is stored hashed, for the code's user.
    const row = await reg.database.db
      .selectFrom('web_sessions')
      .selectAll()
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(row.session_hash).toBe(sha256(session));
    expect(row.scopes).toEqual(['rate']);

    // Used: the POST again and the page both say so.
    const again = await first.post();
    expect(again.status).toBe(410);
    expect(again.text).toContain('already used');
    expect(cookieFrom(again, 'cws_session')).toBeNull();
    expect((await request(reg.url).get(new URL(link.url).pathname)).status).toBe(410);
  });

  it('refuses unknown and malformed codes with 404', async () => {
    expect((await request(reg.url).get(`/login/${'A'.repeat(43)}`)).status).toBe(404);
    expect((await request(reg.url).get('/login/short')).status).toBe(404);
    const link = await loginLink(reg, alice);
    const { nonce } = await openLink(link.url);
    const res = await request(reg.url)
      .post('/login')
      .set('Cookie', `cws_login=${nonce}`)
      .type('form')
      .send({ code: 'B'.repeat(43), nonce });
    expect(res.status).toBe(404);
    expect(res.text).toContain('not valid');
  });

  it('refuses an expired code, and a code whose token was revoked', async () => {
    const link = await loginLink(reg, alice);
    const opened = await openLink(link.url);
    const code = link.url.split('/').pop()!;
    await reg.database.db
      .updateTable('web_login_codes')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('code_hash', '=', sha256(code))
      .execute();
    expect((await request(reg.url).get(new URL(link.url).pathname)).status).toBe(410);
    const res = await opened.post();
    expect(res.status).toBe(410);
    expect(res.text).toContain('expired');

    const created = await request(reg.url)
      .post('/api/v1/tokens')
      .set('Authorization', `Bearer ${alice}`)
      .send({ name: 'short-lived' });
    const second = await loginLink(reg, created.body.token);
    const page = await openLink(second.url);
    await request(reg.url).delete(`/api/v1/tokens/${created.body.id}`).set('Authorization', `Bearer ${alice}`);
    expect((await page.post()).status).toBe(410);
  });

  it('refuses the sign-in form without the nonce cookie (login CSRF) or from another site', async () => {
    const link = await loginLink(reg, alice);
    const { page, nonce } = await openLink(link.url);
    const body = { code: hidden(page.text, 'code'), nonce: hidden(page.text, 'nonce') };
    expect((await request(reg.url).post('/login').type('form').send(body)).status).toBe(403);
    const crossSite = await request(reg.url)
      .post('/login')
      .set('Cookie', `cws_login=${nonce}`)
      .set('Origin', 'https://evil.example')
      .type('form')
      .send(body);
    expect(crossSite.status).toBe(403);
    // Neither attempt spent the code.
    const ok = await request(reg.url).post('/login').set('Cookie', `cws_login=${nonce}`).type('form').send(body);
    expect(ok.status).toBe(303);
  });

  it('gives a session no more than the rate scope, and none when the token lacks it', async () => {
    const created = await request(reg.url)
      .post('/api/v1/tokens')
      .set('Authorization', `Bearer ${alice}`)
      .send({ name: 'publish-only', scopes: ['publish'] });
    const { cookie } = await signIn(reg, created.body.token);
    const page = await request(reg.url).get('/l/alice/rated-one').set('Cookie', cookie);
    expect(page.text).toContain('lacks the <code>rate</code> scope');
    expect(page.text).not.toContain('name="rating"');
  });
});

describe('sessions, CSRF and sign-out', () => {
  it('rates through the page form with the CSRF token, and refuses without it or from another site', async () => {
    const bob = await createUser(reg, 'bob');
    const { cookie, csrf } = await signIn(reg, bob);
    const rate = (form: Record<string, string>, origin?: string) => {
      const r = request(reg.url).post('/l/alice/rated-one/rating').set('Cookie', cookie).type('form');
      if (origin) r.set('Origin', origin);
      return r.send(form);
    };
    expect((await rate({ rating: '2' })).status).toBe(403);
    expect((await rate({ rating: '2', csrf: 'x'.repeat(csrf.length) })).status).toBe(403);
    expect((await rate({ rating: '2', csrf }, 'https://evil.example')).status).toBe(403);
    const noCookie = await request(reg.url).post('/l/alice/rated-one/rating').type('form').send({ rating: '2', csrf });
    expect(noCookie.status).toBe(403);
    expect(await reg.database.db.selectFrom('ratings').selectAll().execute()).toHaveLength(0);

    const missingStars = await rate({ csrf, review: 'kept text' });
    expect(missingStars.status).toBe(400);
    expect(missingStars.text).toContain('Choose from 1 to 5 stars');
    expect(missingStars.text).toContain('kept text');

    const ok = await rate({ rating: '4', review: 'solid', csrf }, reg.url);
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/l/alice/rated-one?rated=1#reviews');
    const edited = await rate({ rating: '2', review: 'changed my mind', csrf });
    expect(edited.status).toBe(303);
    const detail = (await request(reg.url).get('/api/v1/listings/alice/rated-one')).body;
    expect(detail.rating).toEqual({ average: 2, count: 1 });
    const page = await request(reg.url).get('/l/alice/rated-one?rated=1').set('Cookie', cookie);
    expect(page.text).toContain('your rating is saved');
    expect(page.text).toContain('Edit your rating');
    expect(page.text).toMatch(/value="2" required checked/);
    expect(page.text).toContain('changed my mind</textarea>');
  });

  it('signs out: the session row goes and the old cookie no longer works', async () => {
    const carol = await createUser(reg, 'carol');
    const { cookie, csrf } = await signIn(reg, carol);
    expect((await request(reg.url).post('/logout').set('Cookie', cookie).type('form').send({})).status).toBe(403);
    const out = await request(reg.url).post('/logout').set('Cookie', cookie).type('form').send({ csrf });
    expect(out.status).toBe(303);
    expect((out.headers['set-cookie'] as unknown as string[]).join()).toMatch(
      /cws_session=;.*Expires=Thu, 01 Jan 1970/,
    );
    const hash = sha256(cookie.split('=')[1]!);
    expect(
      await reg.database.db.selectFrom('web_sessions').selectAll().where('session_hash', '=', hash).execute(),
    ).toHaveLength(0);
    const home = await request(reg.url).get('/').set('Cookie', cookie);
    expect(home.text).not.toContain('Signed in as');
    expect(home.text).toContain('href="/login"');
    const rate = await request(reg.url)
      .post('/l/alice/rated-one/rating')
      .set('Cookie', cookie)
      .type('form')
      .send({ rating: '5', csrf });
    expect(rate.status).toBe(403);
  });

  it('ends expired sessions, and asks for sign-in on personal pages', async () => {
    const dave = await createUser(reg, 'dave');
    const { cookie } = await signIn(reg, dave);
    const mine = await request(reg.url).get('/my/listings').set('Cookie', cookie);
    expect(mine.status).toBe(200);
    await reg.database.db
      .updateTable('web_sessions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('session_hash', '=', sha256(cookie.split('=')[1]!))
      .execute();
    const after = await request(reg.url).get('/my/listings').set('Cookie', cookie);
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe('/login');
  });

  it('marks the cookie Secure behind a TLS-terminating proxy', async () => {
    const behindProxy = await startRegistry({
      shareDatabaseWith: reg,
      config: { http: { host: '127.0.0.1', port: 0, publicUrl: null, bodyLimit: '256kb', trustProxy: true } },
    });
    try {
      const link = await request(behindProxy.url)
        .post('/api/v1/web/login-codes')
        .set('Authorization', `Bearer ${alice}`)
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-Host', 'registry.example.org');
      expect(link.body.url).toMatch(/^https:\/\/registry\.example\.org\/login\//);
      const path = new URL(link.body.url).pathname;
      const page = await request(behindProxy.url).get(path).set('X-Forwarded-Proto', 'https');
      const nonce = cookieFrom(page, 'cws_login');
      expect((page.headers['set-cookie'] as unknown as string[]).join()).toMatch(/Secure/);
      const res = await request(behindProxy.url)
        .post('/login')
        .set('X-Forwarded-Proto', 'https')
        .set('Cookie', `cws_login=${nonce}`)
        .type('form')
        .send({ code: hidden(page.text, 'code'), nonce: hidden(page.text, 'nonce') });
      expect(res.status).toBe(303);
      const session = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('cws_session='))!;
      expect(session).toMatch(/; Secure/);
    } finally {
      await behindProxy.close();
    }
  });
});
