import type { CreatedInvitation, CreatedToken, InvitationInfo, Scope, TokenInfo } from '@cws/shared';
import type { WebSession } from '../../../services/sessions.js';
import { copyButton, csrfField, date, option } from '../components.js';
import { html, type SafeHtml } from '../html.js';
import type { Page } from '../layout.js';

const SCOPE_TEXT: Record<Scope, string> = {
  rate: 'rate and review images',
  publish: 'publish images and new versions, deprecate and revoke your own',
  admin: 'administer the registry (users, imports, invitations)',
};

export const EXPIRY_CHOICES = ['30', '90', '365', 'never'] as const;

export interface TokenForm {
  name?: string;
  scopes?: string[];
  expires?: string;
  error?: string;
}

export interface TokensView {
  session: WebSession;
  /** The registry's URL as this server knows it, for the cws lines. */
  registryUrl: string;
  tokens: TokenInfo[];
  /** What a new token may have from this session. */
  allowed: Scope[];
  created?: CreatedToken;
  form?: TokenForm;
  welcome?: boolean;
  revoked?: string;
  isAdmin: boolean;
}

function subnav(current: 'tokens' | 'invitations', isAdmin: boolean): SafeHtml {
  if (!isAdmin) return html``;
  const link = (path: string, key: string, label: string) =>
    key === current ? html`<strong>${label}</strong>` : html`<a href="${path}">${label}</a>`;
  return html`<p class="toolbar">${link('/account/tokens', 'tokens', 'API tokens')} · ${link('/account/invitations', 'invitations', 'Invitations')}</p>`;
}

function tokenState(t: TokenInfo): string {
  if (t.revoked_at) return `revoked ${t.revoked_at.slice(0, 10)}`;
  if (t.expires_at && t.expires_at <= new Date().toISOString()) return 'expired';
  return 'active';
}

export function tokensPage(v: TokensView): Page {
  const { session, created, form = {} } = v;
  const loginLine = created ? `cws login --registry ${v.registryUrl} --token ${created.token}` : '';
  const chosen = new Set(form.scopes ?? v.allowed.filter((s) => s !== 'admin'));
  const rows = v.tokens.map(
    (t) => html`<tr id="token-${t.id}">
  <td>${t.name}</td><td><code>${t.prefix}</code></td><td>${t.scopes.join(', ')}</td>
  <td>${date(t.created_at)}</td><td>${t.expires_at ? date(t.expires_at) : 'never'}</td>
  <td>${t.last_used_at ? date(t.last_used_at) : 'never'}</td><td>${tokenState(t)}</td>
  <td>${
    t.revoked_at
      ? ''
      : html`<form method="post" action="/account/tokens/${t.id}/revoke">${csrfField(session)}<button class="btn-quiet" type="submit" aria-label="Revoke ${t.name}">Revoke</button></form>`
  }</td></tr>`,
  );
  return {
    title: 'API tokens',
    noindex: true,
    main: html`<h1>Your API tokens</h1>
${subnav('tokens', v.isAdmin)}
${v.welcome ? html`<p class="notice ok" id="welcome">Welcome, <strong>${session.principal.handle}</strong>: your account is ready and this browser is signed in. Make a token below for the <code>cws</code> command line.</p>` : ''}
${v.revoked ? html`<p class="notice ok" id="revoked">Token ${v.revoked} revoked: it stops working at once.</p>` : ''}
${
  created
    ? html`<section class="notice ok" id="new-token" aria-labelledby="new-token-h">
  <h2 id="new-token-h">Token ${created.name} created</h2>
  <p>Copy it now: it is shown only once (the registry keeps only its SHA-256).</p>
  <div class="copyline"><pre><code id="token-value">${created.token}</code></pre>${copyButton(created.token, 'the token')}</div>
  <p>Log in from a terminal with it:</p>
  <div class="copyline"><pre><code id="login-line">${loginLine}</code></pre>${copyButton(loginLine, 'the login command')}</div>
  <p class="small">To keep it out of your shell history: <code>cws login --registry ${v.registryUrl} --token -</code> and paste it.</p>
</section>`
    : html`<p>The <code>cws</code> command line uses an API token to rate, publish and see your own images. Make one here, then paste the <code>cws login</code> line it shows into a terminal.</p>`
}
<form class="card" method="post" action="/account/tokens" id="create-token">
  ${csrfField(session)}
  <h2>New token</h2>
  ${form.error ? html`<p class="notice bad" role="alert" id="token-error">${form.error}</p>` : ''}
  <div class="field"><label for="token-name">Name <span class="small">(where you use it, e.g. laptop)</span></label>
    <input id="token-name" name="name" required maxlength="100" value="${form.name ?? ''}"></div>
  <fieldset class="field"><legend>Scopes</legend>
  ${v.allowed.map(
    (s) =>
      html`<label><input type="checkbox" name="scopes" value="${s}"${chosen.has(s) ? html` checked` : ''}> <code>${s}</code>: ${SCOPE_TEXT[s]}</label>`,
  )}
  </fieldset>
  <div class="field"><label for="token-expires">Expires</label>
    <select id="token-expires" name="expires">${EXPIRY_CHOICES.map((c) =>
      option(c, c === 'never' ? 'never' : `in ${c} days`, form.expires ?? '90'),
    )}</select></div>
  <button class="btn" type="submit">Create token</button>
</form>
<h2>Tokens</h2>
${
  v.tokens.length === 0
    ? html`<p>You have no tokens yet.</p>`
    : html`<div class="table-wrap"><table id="tokens">
  <thead><tr><th scope="col">Name</th><th scope="col">Starts with</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
  <tbody>${rows}</tbody></table></div>`
}
<p class="small">A token never outlives the one that signed this browser in, when you signed in with <code>cws web login</code>. Revoking a token also ends the browser sessions it started.</p>`,
  };
}

export interface InvitationsView {
  session: WebSession;
  invitations: InvitationInfo[];
  created?: CreatedInvitation;
  error?: string;
  revoked?: string;
}

export function invitationsPage(v: InvitationsView): Page {
  const { session, created } = v;
  const rows = v.invitations.map(
    (i) => html`<tr id="invitation-${i.id}">
  <td>${i.kind === 'first_admin' ? 'first-run link' : (i.note ?? '')}</td><td>${i.role}</td><td>${i.created_by ?? 'cws-registry serve'}</td>
  <td>${date(i.created_at)}</td><td>${date(i.expires_at)}</td><td>${i.state}${i.used_by ? html` by <strong>${i.used_by}</strong>` : ''}</td>
  <td>${
    i.state === 'pending' && i.kind === 'invite'
      ? html`<form method="post" action="/account/invitations/${i.id}/revoke">${csrfField(session)}<button class="btn-quiet" type="submit">Revoke</button></form>`
      : ''
  }</td></tr>`,
  );
  return {
    title: 'Invitations',
    noindex: true,
    main: html`<h1>Invitations</h1>
${subnav('invitations', true)}
${v.revoked ? html`<p class="notice ok" id="revoked">Invitation ${v.revoked} revoked: its link no longer works.</p>` : ''}
${
  created
    ? html`<section class="notice ok" id="new-invitation">
  <h2>Invitation created</h2>
  <p>Send this link to the person you invite (it is shown only once, works once, until ${created.expires_at.slice(0, 10)}). Opening it lets them choose a handle, creates their account as <strong>${created.role}</strong> and signs them in.</p>
  <div class="copyline"><pre><code id="invitation-url">${created.url}</code></pre>${copyButton(created.url, 'the invitation link')}</div>
</section>`
    : html`<p>Invite people by link: whoever opens it chooses a handle and gets an account, signed in. Each link works once.</p>`
}
<form class="card" method="post" action="/account/invitations" id="create-invitation">
  ${csrfField(session)}
  <h2>New invitation</h2>
  ${v.error ? html`<p class="notice bad" role="alert">${v.error}</p>` : ''}
  <div class="field"><label for="invite-note">For <span class="small">(a note for admins, e.g. their name; not shown to them)</span></label>
    <input id="invite-note" name="note" maxlength="200"></div>
  <div class="field"><label for="invite-role">Role</label>
    <select id="invite-role" name="role">${option('user', 'user', 'user')}${option('maintainer', 'maintainer (may deprecate, revoke and version any listing)', 'user')}${option('admin', 'admin', 'user')}</select></div>
  <div class="field"><label for="invite-days">Valid for</label>
    <select id="invite-days" name="expires_in_days">${['1', '7', '30'].map((d) => option(d, `${d} day${d === '1' ? '' : 's'}`, '7'))}</select></div>
  <button class="btn" type="submit">Create invitation link</button>
</form>
<h2>Recent invitations</h2>
${
  v.invitations.length === 0
    ? html`<p>No invitations yet.</p>`
    : html`<div class="table-wrap"><table id="invitations">
  <thead><tr><th scope="col">For</th><th scope="col">Role</th><th scope="col">By</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">State</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
  <tbody>${rows}</tbody></table></div>`
}`,
  };
}
