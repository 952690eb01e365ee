import { randomBytes } from 'node:crypto';
import type { Router } from 'express';
import type { AppContext } from '../../context.js';
import { ForbiddenError } from '../../errors.js';
import type { Render } from './layout.js';
import { badCodePage, confirmSignInPage, signInPage } from './pages/account.js';
import { safeReturnPath, samlButtons, samlLogoutUrl } from './saml.js';
import {
  checkCsrf,
  checkSameOrigin,
  clearLoginCookie,
  clearSessionCookie,
  LOGIN_COOKIE,
  parseCookies,
  replaceSession,
  sameToken,
  setLoginCookie,
  webState,
} from './session.js';

const CODE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Sign-in by one-time link, in two steps: GET shows whose link it is and a button; only the
 * POST spends the code. Chat previews and mail scanners that fetch links cannot use it up.
 */
export function registerSignIn(router: Router, ctx: AppContext, render: Render): void {
  router.get('/login', (req, res) => {
    const next = safeReturnPath(req.query.next);
    render(req, res, 200, signInPage(webState(res).session, ctx.services.saml ? samlButtons(ctx, next) : null));
  });

  router.get('/login/:code', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const code = req.params.code;
    const state = CODE.test(code) ? await ctx.services.sessions.inspectLoginCode(code) : null;
    if (!state) return render(req, res, 404, badCodePage('unknown'));
    if (state.state !== 'valid') return render(req, res, 410, badCodePage(state.state));
    // The sign-in form has no session to bind a CSRF token to: a cookie nonce echoed in the form does.
    const nonce = randomBytes(18).toString('base64url');
    setLoginCookie(ctx, req, res, nonce);
    render(req, res, 200, confirmSignInPage(state.handle, code, nonce, webState(res).session));
  });

  router.post('/login', async (req, res) => {
    checkSameOrigin(ctx, req);
    const form = req.body as Record<string, unknown>;
    const nonce = parseCookies(req.headers.cookie).get(LOGIN_COOKIE);
    if (!nonce || !sameToken(form.nonce, nonce)) {
      throw new ForbiddenError('This sign-in form is out of date or came from another site. Open the link again.');
    }
    const code = typeof form.code === 'string' && CODE.test(form.code) ? form.code : null;
    const result = code
      ? await ctx.services.sessions.redeemLoginCode(code)
      : { ok: false as const, reason: 'unknown' as const };
    clearLoginCookie(ctx, req, res);
    if (!result.ok) return render(req, res, result.reason === 'unknown' ? 404 : 410, badCodePage(result.reason));
    await replaceSession(ctx, req, res, result.session);
    res.redirect(303, '/');
  });

  router.post('/logout', async (req, res) => {
    const { sessionId, session } = webState(res);
    let next = '/';
    if (sessionId && session) {
      checkCsrf(ctx, req, res);
      await ctx.services.sessions.end(sessionId);
      // Signed in through SAML: end the IdP's session too, when it offers single logout.
      if (session.via === 'saml') next = (await samlLogoutUrl(ctx, session.principal.userId)) ?? '/';
    }
    clearSessionCookie(ctx, req, res);
    res.redirect(303, next);
  });
}
