import type { RatingSummary } from '@cws/shared';
import type { WebSession } from '../../services/sessions.js';
import { html, type SafeHtml } from './html.js';

const numbers = new Intl.NumberFormat('en-US');
export const count = (n: number) => numbers.format(n);
/** "1 download", "1,342 downloads": the noun agrees with the number (never "1 downloads" or "rating(s)"). */
export const counted = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/** Star glyphs for screens, a sentence for screen readers. */
export function stars(average: number): SafeHtml {
  const full = Math.round(average);
  return html`<span class="stars" aria-hidden="true">${'★'.repeat(full)}${'☆'.repeat(5 - full)}</span>`;
}

/** "★★★★★ 4.6 out of 5 (12 ratings)": an average out of 5, then how many people rated. */
export function ratingLine(rating: RatingSummary): SafeHtml {
  if (rating.count === 0) return html`<span>Not rated yet</span>`;
  return html`<span>${stars(rating.average)} <span class="sr-only">Rated</span> ${rating.average.toFixed(1)} out of 5
    (${counted(rating.count, 'rating')})</span>`;
}

export type BadgeKind = 'ok' | 'warn' | 'bad' | 'info' | 'plain';
export function badge(kind: BadgeKind, text: string, title?: string): SafeHtml {
  return html`<span class="badge ${kind === 'plain' ? '' : kind}"${title ? html` title="${title}"` : ''}>${text}</span>`;
}

export function verifiedBadge(verified: boolean): SafeHtml {
  return verified
    ? badge('ok', '✓ Verified', 'The registry checked ownership and launchability in EC2')
    : badge('plain', 'Not verified', 'The registry has not checked this image in EC2 yet');
}

/** A date as YYYY-MM-DD (UTC), machine-readable in the datetime attribute. */
export function date(iso: string): SafeHtml {
  return html`<time datetime="${iso}">${iso.slice(0, 10)}</time>`;
}

/** A copy button, hidden until the script shows it (no dead buttons without JavaScript). */
export function copyButton(text: string, what: string): SafeHtml {
  return html`<button type="button" class="btn-quiet" data-copy="${text}" aria-label="Copy ${what}" hidden>Copy</button>`;
}

export function csrfField(session: WebSession): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${session.csrfToken}">`;
}

export function option(value: string, label: string, current: string | undefined): SafeHtml {
  return html`<option value="${value}"${value === (current ?? '') ? html` selected` : ''}>${label}</option>`;
}
