import type { SearchResult } from '@cws/shared';
import type { WebSession } from '../../../services/sessions.js';
import { csrfField } from '../components.js';
import { html, type SafeHtml } from '../html.js';
import type { Page } from '../layout.js';
import type { CatalogueForm } from '../query.js';
import { resultsList } from './catalogue.js';

/** /login without a code: the institution's sign-in buttons (SAML), and how to get a one-time link. */
export function signInPage(session: WebSession | null, sso: SafeHtml | null = null, notice?: string): Page {
  return {
    title: 'Sign in',
    noindex: true,
    main: html`<h1>Sign in</h1>
${notice ? html`<p class="notice warn" id="sign-in-required">${notice}</p>` : ''}
${
  session
    ? html`<p>You are signed in as <strong>${session.principal.handle}</strong>.</p>
  <form method="post" action="/logout">${csrfField(session)}<button class="btn" type="submit">Sign out</button></form>`
    : html`${sso ? html`${sso}<p>Or, without your institution's sign-in:</p>` : ''}<p>The registry has no passwords. Sign in from a terminal where <code>cws</code> is logged in to this registry:</p>
  <pre><code>cws web login</code></pre>
  <p>It prints a one-time link (valid for 5 minutes, usable once). Open it in this browser and confirm.</p>
  <p class="small" id="no-account">No account or no <code>cws</code> yet? Ask this registry's administrator for an invitation link: it creates your account and signs you in here. Then make an API token on your <a href="/account/tokens">account page</a>, which shows the <code>cws login</code> line to paste.</p>`
}`,
  };
}

/** /login/{code}: confirm before the code is used, so link previews and scanners cannot spend it. */
export function confirmSignInPage(handle: string, code: string, nonce: string, current: WebSession | null): Page {
  return {
    title: 'Confirm sign-in',
    noindex: true,
    main: html`<h1>Sign in as ${handle}?</h1>
${
  current && current.principal.handle !== handle
    ? html`<p class="notice warn">You are signed in as <strong>${current.principal.handle}</strong>; continuing signs you in as <strong>${handle}</strong> instead.</p>`
    : ''
}
<p>This one-time link was made by <code>cws web login</code> for <strong>${handle}</strong>. If you did not just run it, close this page.</p>
<form method="post" action="/login">
  <input type="hidden" name="code" value="${code}">
  <input type="hidden" name="nonce" value="${nonce}">
  <button class="btn" type="submit" id="confirm-sign-in">Sign in as ${handle}</button>
</form>`,
  };
}

export function badCodePage(reason: 'unknown' | 'used' | 'expired'): Page {
  const why = {
    unknown: 'This sign-in link is not valid.',
    used: 'This sign-in link was already used. Each link works once.',
    expired: 'This sign-in link has expired. Links work for 5 minutes.',
  }[reason];
  return {
    title: 'Sign-in link not valid',
    noindex: true,
    main: html`<h1>Sign-in link not valid</h1>
<p>${why}</p>
<p>Run <code>cws web login</code> again for a new link.</p>`,
  };
}

export function myListingsPage(session: WebSession, result: SearchResult, form: CatalogueForm): Page {
  const empty = html`<p><strong>You have not published any images yet.</strong></p>
<p>Save a running instance as an image and publish it with <code>cws</code>; it shows up here.</p>`;
  return {
    title: 'My listings',
    noindex: true,
    main: html`<h1>My listings</h1>
<p class="small">Images published by <strong>${session.principal.handle}</strong>, including unlisted and private ones.</p>
${resultsList(result, form, '/my/listings', empty)}`,
  };
}
