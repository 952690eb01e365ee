/**
 * A browser without JavaScript, over HTTP: SP-initiated SAML sign-in through SimpleSAMLphp's
 * login form, with a cookie jar per origin. The CLI tests use it for the browser half of
 * `cws login --sso`; the browser tests do the same in Chromium.
 */
export class CookieJar {
  readonly #jars = new Map<string, Map<string, string>>();

  header(url: string): string {
    const jar = this.#jars.get(new URL(url).host);
    return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }

  store(url: string, res: Response): void {
    const host = new URL(url).host;
    const jar = this.#jars.get(host) ?? new Map<string, string>();
    this.#jars.set(host, jar);
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
  }

  get(url: string, name: string): string | undefined {
    return this.#jars.get(new URL(url).host)?.get(name);
  }
}

/** One request without following redirects, cookies from and into the jar. */
export async function step(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const cookie = jar.header(url);
  if (cookie) headers.set('cookie', cookie);
  const res = await fetch(url, { ...init, headers, redirect: 'manual' });
  jar.store(url, res);
  return res;
}

/** Follows redirects by hand (GET), so each hop's cookies land in the jar. */
export async function follow(
  jar: CookieJar,
  url: string,
  init: RequestInit = {},
): Promise<{ res: Response; url: string }> {
  let res = await step(jar, url, init);
  let at = url;
  for (let hops = 0; res.status >= 300 && res.status < 400 && hops < 10; hops++) {
    at = new URL(res.headers.get('location')!, at).toString();
    res = await step(jar, at);
  }
  return { res, url: at };
}

const field = (page: string, name: string) =>
  new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(page)?.[1] ??
  new RegExp(`value="([^"]*)"[^>]*name="${name}"`).exec(page)?.[1];
const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#0*39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The IdP's auto-submitting form: where it posts and the SAMLResponse/RelayState it carries. */
export function responseForm(page: string): { action: string; SAMLResponse: string; RelayState?: string } {
  const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
  const samlResponse = field(page, 'SAMLResponse');
  if (!action || !samlResponse) throw new Error(`no SAML response form on the IdP's page: ${page.slice(0, 500)}`);
  const relay = field(page, 'RelayState');
  return {
    action: decode(action),
    SAMLResponse: decode(samlResponse),
    ...(relay ? { RelayState: decode(relay) } : {}),
  };
}

/**
 * Starts at the registry's /saml/login/IDP, signs in at SimpleSAMLphp, and returns the IdP's
 * response form without posting it (attack tests reuse it), plus the jar.
 */
export async function idpResponseFor(
  registryUrl: string,
  idpId: string,
  user: { username: string; password: string },
  relayState?: string,
  jar = new CookieJar(),
) {
  const start = `${registryUrl}/saml/login/${idpId}${relayState ? `?RelayState=${encodeURIComponent(relayState)}` : ''}`;
  const login = await follow(jar, start);
  let page = await login.res.text();
  if (!page.includes('SAMLResponse')) {
    const authState = field(page, 'AuthState');
    if (!authState)
      throw new Error(`no login form at the IdP (${login.res.status} ${login.url}): ${page.slice(0, 400)}`);
    const posted = await follow(jar, login.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: user.username, password: user.password, AuthState: decode(authState) }),
    });
    page = await posted.res.text();
  }
  return { jar, form: responseForm(page) };
}

/** Posts a response form to the ACS the way the IdP's page would; returns the registry's answer. */
export function postToAcs(jar: CookieJar, form: { action: string; SAMLResponse: string; RelayState?: string }) {
  const body = new URLSearchParams({ SAMLResponse: form.SAMLResponse });
  if (form.RelayState !== undefined) body.set('RelayState', form.RelayState);
  return step(jar, form.action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
}

/** The whole sign-in over HTTP; returns the jar holding the registry's session cookie. */
export async function samlHttpLogin(
  registryUrl: string,
  idpId: string,
  user: { username: string; password: string },
  relayState?: string,
) {
  const { jar, form } = await idpResponseFor(registryUrl, idpId, user, relayState);
  const res = await postToAcs(jar, form);
  if (res.status !== 303) throw new Error(`ACS answered ${res.status}: ${(await res.text()).slice(0, 600)}`);
  return { jar, location: res.headers.get('location')!, session: jar.get(registryUrl, 'cws_session') };
}
