import { gzipSync } from 'node:zlib';
import type { Request, Response } from 'express';
import { ASSETS } from './assets.js';
import { csrfField } from './components.js';
import { html, raw, type SafeHtml } from './html.js';
import { webState } from './session.js';

export interface Page {
  title: string;
  main: SafeHtml;
  description?: string;
  /** Keep this page out of search engines (sign-in, personal pages, errors). */
  noindex?: boolean;
}

const LOGO = raw(
  '<svg width="26" height="26" viewBox="0 0 32 32" aria-hidden="true" focusable="false"><rect width="32" height="32" rx="7" fill="#0a58a8"/><path d="M8 21l8-11 8 11z" fill="#fff"/><circle cx="22" cy="11" r="3" fill="#ffc24d"/></svg>',
);

/** The page shell: header with sign-in state, main content, footer. */
export function layout(res: Response, version: string, page: Page): SafeHtml {
  const { session } = webState(res);
  const nav = session
    ? html`<a href="/my/listings">My listings</a>
        <a href="/account/tokens">Account</a>
        <span class="who">Signed in as <strong>${session.principal.handle}</strong></span>
        <form method="post" action="/logout">${csrfField(session)}<button class="link-btn" type="submit">Sign out</button></form>`
    : html`<a href="/login">Sign in</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${page.title} · cws registry</title>
${page.description ? html`<meta name="description" content="${page.description}">` : ''}
${page.noindex ? html`<meta name="robots" content="noindex">` : ''}
<link rel="stylesheet" href="${ASSETS.style.path}">
<link rel="icon" href="${ASSETS.icon.path}" type="image/svg+xml">
<script src="${ASSETS.script.path}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><div class="wrap">
<a class="brand" href="/">${LOGO}<span>cws registry</span></a>
<nav aria-label="Site"><a href="/">Catalogue</a>${nav}</nav>
</div></header>
<main id="main" tabindex="-1"><div class="wrap">
${page.main}
</div></main>
<footer><div class="wrap">
cws-registry ${version} · Community machine images for research environments ·
<a href="/api/v1/openapi.json">API (OpenAPI)</a>
</div></footer>
<p id="announce" class="sr-only" aria-live="polite"></p>
</body>
</html>
`;
}

/**
 * Sends a page. HTML is never cached by shared caches (it can carry a CSRF token) and is
 * gzip-compressed here when the client accepts it: pages are the bulk of what a browser fetches.
 */
export function sendPage(req: Request, res: Response, status: number, body: SafeHtml): void {
  const text = Buffer.from(body.value, 'utf8');
  res.status(status);
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  if (!res.getHeader('Cache-Control')) res.setHeader('Cache-Control', 'private, no-cache');
  res.setHeader('Vary', 'Cookie, Accept-Encoding');
  if (text.length > 1024 && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    const zipped = gzipSync(text, { level: 6 });
    res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Length', String(zipped.length));
    res.end(req.method === 'HEAD' ? undefined : zipped);
    return;
  }
  res.setHeader('Content-Length', String(text.length));
  res.end(req.method === 'HEAD' ? undefined : text);
}

/** Sends a page with a status; the router makes one (it knows the version) and hands it to each group of pages. */
export type Render = (req: Request, res: Response, status: number, page: Page) => void;
