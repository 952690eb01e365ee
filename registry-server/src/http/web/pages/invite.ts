import type { InvitationCheck } from '../../../services/invitations.js';
import { html } from '../html.js';
import type { Page } from '../layout.js';

export interface InviteForm {
  handle?: string;
  displayName?: string;
  error?: string;
}

/** /invite/{code}: what the link does, and the form that spends it (choose a handle). */
export function invitePage(
  check: Extract<InvitationCheck, { state: 'valid' }>,
  code: string,
  nonce: string,
  signedInAs: string | null,
  form: InviteForm = {},
): Page {
  const first = check.kind === 'first_admin';
  const heading = first ? 'Become the first admin of this registry' : 'Create your account';
  const who = first
    ? html`<p>This registry has no administrator yet. <code>cws-registry serve</code> printed this one-time link for whoever runs it. Choose your handle: you become the first admin, can invite people and make API tokens.</p>`
    : html`<p><strong>${check.inviter ?? 'An administrator'}</strong> invited you to this registry${
        check.role === 'user' ? '' : html` as <strong>${check.role}</strong>`
      }. Choose your handle: it names you on ratings and on the images you publish, and cannot be changed later.</p>`;
  return {
    title: heading,
    noindex: true,
    main: html`<h1>${heading}</h1>
${who}
${signedInAs ? html`<p class="notice warn">You are signed in as <strong>${signedInAs}</strong>; creating this account signs you in as the new one instead.</p>` : ''}
${form.error ? html`<p class="notice bad" role="alert" id="invite-error">${form.error}</p>` : ''}
<form class="card" method="post" action="/invite" id="accept-invitation">
  <input type="hidden" name="code" value="${code}">
  <input type="hidden" name="nonce" value="${nonce}">
  <div class="field"><label for="handle">Handle <span class="small">(1-39 lowercase letters, digits or inner hyphens)</span></label>
    <input id="handle" name="handle" required maxlength="39" pattern="[a-z0-9]([a-z0-9-]*[a-z0-9])?" autocomplete="username" autocapitalize="none" spellcheck="false" value="${form.handle ?? ''}"></div>
  <div class="field"><label for="display_name">Your name <span class="small">(optional)</span></label>
    <input id="display_name" name="display_name" maxlength="200" autocomplete="name" value="${form.displayName ?? ''}"></div>
  <button class="btn" type="submit">${first ? 'Become admin' : 'Create account'}</button>
</form>
<p class="small">The link works once${first ? ', for an hour' : html`, until ${check.expiresAt.toISOString().slice(0, 10)}`}. The registry has no passwords: after this you sign in again with <code>cws web login</code> or a new invitation, and the terminal uses an API token you make on your account page.</p>`,
  };
}

export function badInvitePage(reason: 'used' | 'expired' | 'revoked' | 'unknown'): Page {
  const why = {
    unknown: 'This invitation link is not valid. Check that it was copied whole.',
    used: 'This link was used already. Each link makes one account.',
    expired: 'This link has expired.',
    revoked: 'This invitation was withdrawn.',
  }[reason];
  return {
    title: 'Invitation not valid',
    noindex: true,
    main: html`<h1>Invitation not valid</h1>
<p>${why}</p>
<p>Ask the registry's administrator for a new invitation. An operator on the registry's host can also run <code>cws-registry user create HANDLE</code>; on a registry without an admin, <code>cws-registry serve</code> prints a new first-run link at every start.</p>`,
  };
}
