import { createHash } from 'node:crypto';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { RequestHandler } from 'express';
import { SCRIPT } from './assets/script.js';
import { STYLESHEET } from './assets/stylesheet.js';

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0a58a8"/><path d="M8 21l8-11 8 11z" fill="#fff"/><circle cx="22" cy="11" r="3" fill="#ffc24d"/></svg>`;

interface Asset {
  /** The path with the content hash: /assets/style.1a2b3c4d5e.css */
  path: string;
  type: string;
  body: Buffer;
  gzip: Buffer;
  brotli: Buffer;
}

function asset(name: string, ext: string, type: string, text: string): Asset {
  const body = Buffer.from(text, 'utf8');
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
  return { path: `/assets/${name}.${hash}.${ext}`, type, body, gzip: gzipSync(body), brotli: brotliCompressSync(body) };
}

/** Built once at start-up: the hash changes whenever the content does, so caches never go stale. */
export const ASSETS = {
  style: asset('style', 'css', 'text/css; charset=utf-8', STYLESHEET),
  script: asset('app', 'js', 'text/javascript; charset=utf-8', SCRIPT),
  icon: asset('icon', 'svg', 'image/svg+xml', ICON),
};
const byPath = new Map(Object.values(ASSETS).map((a) => [a.path, a]));

/** Serves the hashed assets, compressed when the client accepts it; anything else falls through. */
export const serveAssets: RequestHandler = (req, res, next) => {
  const found = byPath.get(req.path);
  if (!found || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
  const accepts = String(req.headers['accept-encoding'] ?? '');
  const [encoding, body] = /\bbr\b/.test(accepts)
    ? ['br', found.brotli]
    : /\bgzip\b/.test(accepts)
      ? ['gzip', found.gzip]
      : [null, found.body];
  res.setHeader('Content-Type', found.type);
  res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
  res.setHeader('Vary', 'Accept-Encoding');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (encoding) res.setHeader('Content-Encoding', encoding);
  res.setHeader('Content-Length', String(body.length));
  res.status(200).end(req.method === 'HEAD' ? undefined : body);
};
