import { html } from '../html.js';
import type { Page } from '../layout.js';

export function notFoundPage(message?: string): Page {
  return {
    title: 'Not found',
    noindex: true,
    main: html`<h1>Not found</h1>
<p>${message ?? 'There is no page at this address.'}</p>
<p><a href="/">Search the catalogue</a></p>`,
  };
}

const TITLES: Record<number, string> = {
  400: 'That request did not work',
  401: 'Sign in first',
  403: 'Not allowed',
  409: 'Conflict',
  413: 'Too large',
  429: 'Too many requests',
  503: 'Temporarily unavailable',
};

export function errorPage(status: number, message: string): Page {
  const title = TITLES[status] ?? 'Something went wrong';
  return {
    title,
    noindex: true,
    main: html`<h1>${title}</h1>
<p>${message}</p>
<p>${status === 401 || status === 403 ? html`<a href="/login">Sign in</a> · ` : ''}<a href="/">Back to the catalogue</a></p>`,
  };
}
