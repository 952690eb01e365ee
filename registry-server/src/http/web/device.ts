import type { Router } from 'express';
import type { AppContext } from '../../context.js';
import {
  DEVICE_SCOPES,
  DEVICE_TOKEN_TTL_DAYS,
  deviceGrant,
  normaliseUserCode,
  type UserCodeState,
} from '../../services/device.js';
import { csrfField } from './components.js';
import { html } from './html.js';
import type { Page, Render } from './layout.js';
import { one } from './query.js';
import { samlButtons } from './saml.js';
import { checkCsrf, webState } from './session.js';

const STATE_TEXT: Record<Exclude<UserCodeState['state'], 'pending'>, string> = {
  unknown: 'There is no sign-in waiting for this code. Check it against the terminal, or run cws login --sso again.',
  expired: 'This code has expired (codes work for 10 minutes). Run cws login --sso again.',
  approved: 'This code was approved already; the terminal has (or soon gets) its token.',
  denied: 'This code was denied. Run cws login --sso again if that was a mistake.',
};

function codeForm(code: string, message?: string): Page {
  return {
    title: 'Sign in a terminal',
    noindex: true,
    main: html`<h1>Sign in a terminal</h1>
${message ? html`<p class="notice warn" id="device-message">${message}</p>` : ''}
<p>Enter the code <code>cws login --sso</code> printed.</p>
<form method="get" action="/device">
  <label for="code">Code</label>
  <input id="code" name="code" value="${code}" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="12" required>
  <button class="btn" type="submit">Continue</button>
</form>`,
  };
}

/**
 * The approval page of device sign-in: a signed-in person (SAML or a one-time link) checks the
 * code the terminal shows and approves or denies it. Approving is a POST with the CSRF token.
 */
export function registerDevice(router: Router, ctx: AppContext, render: Render): void {
  router.get('/device', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const { session } = webState(res);
    const typed = (one(req.query, 'code') ?? '').slice(0, 20);
    const normal = normaliseUserCode(typed);
    const next = normal ? `/device?code=${normal.slice(0, 4)}-${normal.slice(4)}` : '/device';
    if (!session) {
      return render(req, res, 200, {
        title: 'Sign in to continue',
        noindex: true,
        main: html`<h1>Sign in to approve a terminal</h1>
<p>A terminal asked to sign in to this registry as you${normal ? html` with the code <strong><code>${next.slice(-9)}</code></strong>` : ''}. Sign in first, then approve it.</p>
${samlButtons(ctx, next)}
<p class="small">Without your institution's sign-in: <code>cws web login</code> in a terminal that is logged in already prints a one-time link.</p>`,
      });
    }
    if (!typed) return render(req, res, 200, codeForm(''));
    const found = await ctx.services.device.lookup(typed);
    if (found.state !== 'pending')
      return render(req, res, found.state === 'unknown' ? 404 : 410, codeForm(typed, STATE_TEXT[found.state]));
    const shown = `${normal!.slice(0, 4)}-${normal!.slice(4)}`;
    // What approving gives is bounded by this session (a cws web login session acts within its token).
    const grant = deviceGrant(await ctx.services.account.tokenPrincipal(session));
    if (grant.scopes.length === 0) {
      return render(
        req,
        res,
        403,
        codeForm(
          typed,
          `You signed in here from a token without ${DEVICE_SCOPES.join(' or ')}, so this session cannot sign in a terminal. Sign in with a token that has them, or through your institution.`,
        ),
      );
    }
    const gives = grant.scopes.join(' and ');
    const lifetime = grant.parentTokenId
      ? `for ${DEVICE_TOKEN_TTL_DAYS} days at most, and no longer than the token you signed in here with`
      : `for ${DEVICE_TOKEN_TTL_DAYS} days`;
    render(req, res, 200, {
      title: 'Approve sign-in',
      noindex: true,
      main: html`<h1>Sign in ${found.clientName} as ${session.principal.handle}?</h1>
<p>Check that the terminal shows the code <strong><code id="device-code">${shown}</code></strong>. Approving gives it a token that acts as you (<span id="device-scopes">${gives}</span>${grant.orgId !== null ? ', limited to the same organisation as the token you signed in with' : ''}) ${lifetime}; <code>cws logout</code> revokes it.</p>
<p>If you did not just run <code>cws login --sso</code>, deny.</p>
<form method="post" action="/device">
  ${csrfField(session)}
  <input type="hidden" name="code" value="${shown}">
  <button class="btn" type="submit" name="decision" value="approve" id="device-approve">Approve</button>
  <button class="btn-quiet" type="submit" name="decision" value="deny" id="device-deny">Deny</button>
</form>`,
    });
  });

  router.post('/device', async (req, res) => {
    const session = checkCsrf(ctx, req, res);
    const form = req.body as Record<string, unknown>;
    const code = typeof form.code === 'string' ? form.code.slice(0, 20) : '';
    const approve = form.decision === 'approve';
    const principal = await ctx.services.account.tokenPrincipal(session);
    const state = await ctx.services.device.decide(principal, code, approve);
    if (state !== 'approved' && state !== 'denied') {
      return render(
        req,
        res,
        state === 'expired' ? 410 : 404,
        codeForm(code, STATE_TEXT[state === 'pending' ? 'unknown' : state]),
      );
    }
    const done = state === 'approved' && approve;
    render(req, res, 200, {
      title: done ? 'Terminal signed in' : 'Sign-in denied',
      noindex: true,
      main: done
        ? html`<h1>Terminal signed in</h1><p id="device-result">Done. Go back to the terminal: it has its token. You can close this page.</p>`
        : html`<h1>Sign-in denied</h1><p id="device-result">The terminal gets no token.</p>`,
    });
  });
}
