import { inflateRawSync } from 'node:zlib';
import type { Profile } from '@node-saml/passport-saml';
import type { Request, Response, Router } from 'express';
import type { AppContext } from '../../context.js';
import { type IdpEntry, SamlRefusedError, type SamlService } from '../../services/saml/service.js';
import { html } from './html.js';
import type { Page, Render } from './layout.js';
import { isSecure, parseCookies, startSession } from './session.js';

/** Binds an AuthnRequest to the browser that started it (login CSRF). Not SimpleSAML*: cookies ignore ports. */
export const SAML_REQUEST_COOKIE = 'cws_saml_rq';

/**
 * Where a person may be sent after signing in: a path of this registry, nothing else (no
 * open redirect). null when `value` is not one.
 */
export function safeReturnPath(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) return null;
  if (!value.startsWith('/') || value.startsWith('//') || /[\\\s\0]/.test(value)) return null;
  try {
    const url = new URL(value, 'http://registry.invalid');
    if (url.origin !== 'http://registry.invalid') return null;
    if (/^\/(api|saml)(\/|$)/.test(url.pathname)) return '/';
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return null;
  }
}

/** The login URL of an IdP with a return path. */
export function samlLoginHref(entry: IdpEntry, next: string | null): string {
  const base = `/saml/login/${entry.settings.id}`;
  return next && next !== '/' ? `${base}?RelayState=${encodeURIComponent(next)}` : base;
}

/** Fixed reasons for node-saml's errors: said on the page and logged, never the assertion's text. */
export function classifySamlError(err: unknown): { reason: string; log: string } {
  const message = err instanceof Error ? err.message : String(err);
  const head = message.split(/[.:]/)[0]!.slice(0, 120);
  const pick = (reason: string) => ({ reason, log: head });
  if (err instanceof SamlRefusedError) return { reason: err.reason, log: err.log };
  if ((err as { name?: string })?.name === 'SamlStatusError' || /SAML provider returned/.test(message)) {
    return pick('Your identity provider did not sign you in (it answered with an error).');
  }
  if (/signature|multiple assertions|Cannot obtain assertion/i.test(message)) {
    return pick('The response is not signed by the identity provider this registry trusts.');
  }
  // node-saml says "no valid subject confirmation" when the bearer confirmation is out of its time window.
  if (/expired|not yet valid|NotBefore|NotOnOrAfter|clock|valid subject confirmation/i.test(message)) {
    return pick('The response has expired or is not valid yet. Check the clocks, then start again.');
  }
  if (/audience/i.test(message)) return pick('The assertion was issued for another service (audience).');
  if (/InResponseTo/i.test(message)) {
    return pick('The response does not answer a sign-in this registry started, or that sign-in was already used.');
  }
  return pick('The identity provider’s response could not be read.');
}

function failedPage(reason: string, retry: string | null): Page {
  return {
    title: 'Sign-in failed',
    noindex: true,
    main: html`<h1>Sign-in failed</h1>
<p id="saml-error">${reason}</p>
<p>${retry ? html`<a class="btn" href="${retry}">Try again</a> · ` : ''}<a href="/">Back to the catalogue</a></p>`,
  };
}

function requestCookieOptions(ctx: AppContext, req: Request) {
  const secure = isSecure(ctx, req);
  // The IdP posts back from its own site: a Lax cookie would not come along over https.
  return { httpOnly: true, secure, sameSite: secure ? ('none' as const) : ('lax' as const), path: '/saml' };
}

/** Issuer of a not yet verified response: only to pick which IdP's certificate checks it. */
function unverifiedIssuer(samlResponse: unknown): string | null {
  if (typeof samlResponse !== 'string' || samlResponse.length > 700_000) return null;
  const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
  return /<(?:\w+:)?Issuer\b[^>]*>\s*([^<\s]+)\s*<\/(?:\w+:)?Issuer>/.exec(xml)?.[1] ?? null;
}

/**
 * SAML routes: SP metadata, SP-initiated login (HTTP-Redirect), the ACS (HTTP-POST), single
 * logout. passport-saml's MultiSamlStrategy validates; SamlService adds the remaining checks.
 */
export function registerSaml(router: Router, ctx: AppContext, render: Render): void {
  const saml = ctx.services.saml;
  if (!saml) return;
  const picks = new WeakMap<Request, { entry: IdpEntry; requestId?: string }>();
  // passport-saml is typed against Express 4's Request; ours are Express 5's: cast at this one edge.
  const verify = (_req: unknown, profile: unknown, done: (err: Error | null, user?: unknown) => void) =>
    done(null, profile ?? undefined);
  // A verified LogoutRequest from the IdP: end that person's SAML sessions here.
  const logoutVerify = (req: Request, profile: Profile | null, done: (err: Error | null, user?: unknown) => void) => {
    const pick = picks.get(req);
    if (!pick || !profile?.nameID) return done(new Error('no identity provider or NameID'));
    saml.endSessions(pick.entry, profile.nameID).then(
      () => {
        const who = { nameID: profile.nameID };
        // passport-saml then calls req.logout, which passport's own needs a passport session for.
        Object.assign(req, { user: who, logout: (cb: (err?: Error) => void) => cb() });
        done(null, who);
      },
      (err: Error) => done(err),
    );
  };
  // passport and passport-saml are loaded only when SAML is configured (SamlService.create has
  // loaded passport-saml already): a registry without it starts without either.
  const { MultiSamlStrategy } = saml.sdk;
  const strategy = new MultiSamlStrategy(
    {
      passReqToCallback: true,
      getSamlOptions(req, done) {
        const pick = picks.get(req as unknown as Request);
        if (!pick) return done(new Error('no identity provider chosen'));
        done(null, saml.options(pick.entry, pick.requestId) as never);
      },
    },
    verify as never,
    logoutVerify as never,
  );
  const loaded = import('passport').then(({ Passport }) => {
    const passport = new Passport();
    passport.use('saml', strategy as never);
    return passport;
  });
  const run = async (req: Request, res: Response) => {
    const passport = await loaded;
    return new Promise<Profile | null>((resolve, reject) => {
      passport.authenticate('saml', { session: false }, (err: unknown, user: unknown) =>
        err ? reject(err) : resolve((user as Profile) || null),
      )(req, res, reject);
    });
  };

  router.get('/saml/metadata', (_req, res) => {
    res.setHeader('Content-Type', 'application/samlmetadata+xml; charset=utf-8');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.send(saml.metadataXml());
  });

  router.get('/saml/login/:idp', async (req, res) => {
    const entry = saml.idp(req.params.idp);
    if (!entry)
      return render(req, res, 404, failedPage('This registry has no identity provider by that name.', '/login'));
    const relay = req.query.RelayState;
    if (relay !== undefined && safeReturnPath(relay) !== relay) {
      return render(
        req,
        res,
        400,
        failedPage('After signing in you can only be sent to a page of this registry.', null),
      );
    }
    const requestId = saml.newRequestId();
    res.cookie(SAML_REQUEST_COOKIE, requestId, { ...requestCookieOptions(ctx, req), maxAge: 10 * 60_000 });
    res.setHeader('Cache-Control', 'no-store');
    picks.set(req, { entry, requestId });
    await run(req, res);
  });

  router.post('/saml/acs', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const issuer = unverifiedIssuer(body.SAMLResponse);
    const entry = issuer ? saml.idpByIssuer(issuer) : undefined;
    const browserRequestId = parseCookies(req.headers.cookie).get(SAML_REQUEST_COOKIE) ?? null;
    res.clearCookie(SAML_REQUEST_COOKIE, requestCookieOptions(ctx, req));
    const fail = (reason: string, log: string, idp: string | null) => {
      ctx.logger.warn({ idp, reason: log }, 'SAML sign-in refused');
      render(
        req,
        res,
        403,
        failedPage(reason, entry ? samlLoginHref(entry, safeReturnPath(body.RelayState)) : '/login'),
      );
    };
    if (!entry) {
      return fail('The response did not come from an identity provider this registry knows.', 'unknown issuer', null);
    }
    picks.set(req, { entry });
    let signedIn: Awaited<ReturnType<SamlService['signIn']>>;
    try {
      const profile = await run(req, res);
      if (!profile) return fail('The identity provider sent no assertion.', 'no profile', entry.settings.id);
      signedIn = await saml.signIn(entry, profile, { browserRequestId });
    } catch (err) {
      if (res.headersSent) return;
      const { reason, log } = classifySamlError(err);
      return fail(reason, log, entry.settings.id);
    }
    // The session stands for the person (no token behind it): it may rate, and administer when
    // their registry role is admin (checked on every request, so a demotion holds at once).
    await startSession(ctx, req, res, { userId: signedIn.userId, scopes: ['rate', 'admin'], via: 'saml' });
    res.redirect(303, safeReturnPath(body.RelayState) ?? '/');
  });

  // Single logout, HTTP-Redirect binding. A LogoutResponse answers our own LogoutRequest (the
  // local session ended before we went there). A LogoutRequest is the IdP ending the person's
  // session everywhere: only a signed one is heard (node-saml would take an unsigned one).
  router.get('/saml/logout/callback', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const request = req.query.SAMLRequest;
    if (typeof request !== 'string') return res.redirect(303, '/');
    const entry = (() => {
      try {
        const xml = inflateRawSync(Buffer.from(request, 'base64'), { maxOutputLength: 100_000 }).toString('utf8');
        const issuer = /<(?:\w+:)?Issuer\b[^>]*>\s*([^<\s]+)\s*<\/(?:\w+:)?Issuer>/.exec(xml)?.[1];
        return issuer ? saml.idpByIssuer(issuer) : undefined;
      } catch {
        return undefined;
      }
    })();
    const refuse = (reason: string, log: string) => {
      ctx.logger.warn({ idp: entry?.settings.id ?? null, reason: log }, 'SAML logout request refused');
      render(req, res, 400, failedPage(reason, null));
    };
    if (!entry)
      return refuse(
        'The sign-out request did not come from an identity provider this registry knows.',
        'unknown issuer',
      );
    if (typeof req.query.Signature !== 'string')
      return refuse('The sign-out request is not signed.', 'unsigned LogoutRequest');
    picks.set(req, { entry });
    try {
      await run(req, res);
    } catch (err) {
      if (res.headersSent) return;
      const { log } = classifySamlError(err);
      refuse('The sign-out request could not be verified.', log);
    }
  });
}

/**
 * Single logout: the URL of a LogoutRequest to the IdP the session came from, or null when
 * the session is not a SAML one or that IdP has no logout service. Call after ending the local session.
 */
export async function samlLogoutUrl(ctx: AppContext, userId: number): Promise<string | null> {
  const saml = ctx.services.saml;
  if (!saml) return null;
  const found = await saml.logoutProfile(userId);
  if (!found) return null;
  const { SAML } = await import('@node-saml/passport-saml');
  const client = new SAML(saml.options(found.entry) as never);
  return client.getLogoutUrlAsync(found.profile as never, '', {});
}

/** "Sign in with ..." buttons for the sign-in pages. */
export function samlButtons(ctx: AppContext, next: string | null) {
  const saml = ctx.services.saml;
  if (!saml) return html``;
  return html`<ul class="saml-idps">${saml
    .idps()
    .map(
      (e) =>
        html`<li><a class="btn" id="saml-${e.settings.id}" href="${samlLoginHref(e, next)}">Sign in with ${e.settings.label}</a></li>`,
    )}</ul>`;
}
