import request from 'supertest';
import type { TestRegistry } from '../helpers/registry.js';

/** Asks the API for a one-time sign-in link, as `cws web login` does. */
export async function loginLink(reg: TestRegistry, token: string): Promise<{ url: string; expires_at: string }> {
  const res = await request(reg.url).post('/api/v1/web/login-codes').set('Authorization', `Bearer ${token}`);
  if (res.status !== 201) throw new Error(`login code: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export function cookieFrom(res: request.Response, name: string): string | null {
  const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
  const line = raw?.find((c) => c.startsWith(`${name}=`));
  if (!line) return null;
  const value = line.slice(name.length + 1).split(';')[0]!;
  return value === '' ? null : value;
}

export function hidden(htmlText: string, name: string): string | null {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(htmlText)?.[1] ?? null;
}

/** Signs in over HTTP the way a browser without JavaScript does; returns the session cookie and CSRF token. */
export async function signIn(reg: TestRegistry, token: string): Promise<{ cookie: string; csrf: string }> {
  const { url } = await loginLink(reg, token);
  const path = new URL(url).pathname;
  const page = await request(reg.url).get(path);
  const nonce = cookieFrom(page, 'cws_login');
  const posted = await request(reg.url)
    .post('/login')
    .set('Cookie', `cws_login=${nonce}`)
    .type('form')
    .send({ code: hidden(page.text, 'code'), nonce: hidden(page.text, 'nonce') });
  const session = cookieFrom(posted, 'cws_session');
  if (posted.status !== 303 || !session) throw new Error(`sign-in failed: ${posted.status} ${posted.text}`);
  const cookie = `cws_session=${session}`;
  const home = await request(reg.url).get('/').set('Cookie', cookie);
  const csrf = hidden(home.text, 'csrf');
  if (!csrf) throw new Error('no CSRF token on the signed-in page');
  return { cookie, csrf };
}

/**
 * Opens an invitation (or first-run) link like a browser without JavaScript: GET the page, then
 * POST its form with the handle. Returns the session cookie and the account page's CSRF token.
 */
export async function acceptInvitation(
  link: string,
  handle: string,
  displayName?: string,
): Promise<{ cookie: string; csrf: string; location: string }> {
  const { origin, pathname } = new URL(link);
  const page = await request(origin).get(pathname);
  if (page.status !== 200) throw new Error(`invitation page: ${page.status} ${page.text}`);
  const nonce = cookieFrom(page, 'cws_invite');
  const posted = await request(origin)
    .post('/invite')
    .set('Cookie', `cws_invite=${nonce}`)
    .type('form')
    .send({
      code: hidden(page.text, 'code'),
      nonce: hidden(page.text, 'nonce'),
      handle,
      ...(displayName ? { display_name: displayName } : {}),
    });
  const session = cookieFrom(posted, 'cws_session');
  if (posted.status !== 303 || !session) throw new Error(`accepting the invitation: ${posted.status} ${posted.text}`);
  const cookie = `cws_session=${session}`;
  const account = await request(origin).get(posted.headers.location!).set('Cookie', cookie);
  const csrf = hidden(account.text, 'csrf');
  if (!csrf) throw new Error(`no CSRF token on ${posted.headers.location}`);
  return { cookie, csrf, location: posted.headers.location! };
}

/** The text of the element with this id on a page (a <code>, a <p>), HTML entities decoded. */
export function byId(htmlText: string, id: string): string | null {
  const m = new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(htmlText);
  return m
    ? m[1]!
        .replace(/&amp;/g, '&')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
    : null;
}
