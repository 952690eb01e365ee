import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Express, Request } from 'express';
import type { AppContext } from '../context.js';
import type { HttpLog } from '../logger.js';
import { identityOf } from '../services/downloads.js';
import { spendAhead } from './middleware/rate-limit.js';

/** The only requests the lean path answers: resolves, spelled as the API mounts them. */
const PREFIX = '/api/v1/resolve/';
/** Their metrics label, as the full stack builds it (`req.baseUrl` + `req.route.path`). */
const ROUTE = '/api/v1/resolve/:template';

/**
 * The key the lean path finds an answer by: the raw URL of an anonymous GET (or HEAD) of a
 * resolve, as it reached the server; undefined for anything else. The full stack hands it to
 * the resolve service with the answer it made, so the next request with the same URL is found.
 */
export function requestKeyOf(req: Request): string | undefined {
  const url = req.originalUrl;
  return (req.method === 'GET' || req.method === 'HEAD') && !req.headers.authorization && url.startsWith(PREFIX)
    ? url
    : undefined;
}

/**
 * The server's request listener: a cached resolve answered in front of Express, everything else
 * (and any doubt) through the app. A resolve whose raw URL an anonymous request already had
 * answered, whose answer is still in this process's cache tier, is sent from there without
 * routing through three routers, parsing path and query with zod or serialising the policy into
 * a cache key (~a third of a cache hit's CPU). Only when nothing could answer it otherwise:
 * no Authorization header (a token goes through authentication, scopes and its own cache key),
 * reads open to anonymous callers, not draining (the full stack answers the 503). What it sends
 * is what the full stack sends for the same request: the same bytes (the same cache entry),
 * headers (nosniff, then sendJson's), download count, metrics (under the route's label), log
 * line (the same request ids) and in-flight count for a graceful shutdown.
 *
 * With a read limit on (the default), the lean path spends the request's read first, as the
 * full stack's rateLimit middleware would (middleware/rate-limit.ts: the same limiter, so both
 * paths share one budget per client address, in Redis when it is configured), and only then
 * looks for the answer. A refused request, or one with no cached answer, goes on to the app with
 * the decision attached: the app's rateLimit settles it (the same 429, Retry-After, metrics,
 * log line) without spending again. The request counts as in flight from its arrival (admitted
 * before the limiter's await, as the full stack's drain middleware admits it before its
 * rateLimit), so a drain that begins meanwhile waits for it, and the app does not count it
 * twice or refuse it. A URL with a NUL goes straight to the app uncharged: the app refuses it
 * (400) before it reaches the limit. test/api/hot-path.test.ts asserts all this over HTTP.
 */
export function createRequestListener(ctx: AppContext, app: Express, log: HttpLog): RequestListener {
  const { config } = ctx;
  if (!ctx.cache.enabled || config.access.read === 'signed-in') return app;
  const limited = config.rateLimit.readPerMinute > 0;
  const trustsProxy = config.http.trustProxy !== false;
  const counters = new Map<string, ReturnType<AppContext['metrics']['httpRequests']['labels']>>();
  const timers = new Map<string, ReturnType<AppContext['metrics']['httpDuration']['labels']>>();
  const record = (req: IncomingMessage, res: ServerResponse, id: number, start: bigint, startMs: number) => {
    const method = req.method!;
    const status = res.statusCode;
    const counterKey = `${method} ${status}`;
    let counter = counters.get(counterKey);
    if (!counter) {
      counter = ctx.metrics.httpRequests.labels({ method, route: ROUTE, status: String(status) });
      counters.set(counterKey, counter);
    }
    let timer = timers.get(method);
    if (!timer) {
      timer = ctx.metrics.httpDuration.labels({ method, route: ROUTE });
      timers.set(method, timer);
    }
    counter.inc();
    timer.observe(Number(process.hrtime.bigint() - start) / 1e9);
    log.finished(req, status, id, startMs);
  };
  // The client address as Express's req.ip works it out: the socket's, unless a proxy is trusted
  // (then Express's own getter, with the app's trust function, on the request).
  const clientIp = (req: IncomingMessage): string | undefined => {
    if (!trustsProxy) return req.socket.remoteAddress;
    Object.setPrototypeOf(req, app.request);
    return (req as Request).ip;
  };
  /** Sends a cached answer; the response was admitted to the drain's count. */
  const send = (req: IncomingMessage, res: ServerResponse, answer: Buffer, start: bigint, startMs: number) => {
    const id = log.begin();
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', answer.length);
    res.setHeader('Cache-Control', 'no-store');
    // One listener for metrics and the log line, where the full stack has one each.
    res.once('finish', () => record(req, res, id, start, startMs));
    res.end(answer);
  };
  /** Limits on: the read spent first, then the answer looked up; a refusal or a miss to the app. */
  const spendThenAnswer = (req: IncomingMessage, res: ServerResponse, url: string) => {
    const start = process.hrtime.bigint();
    const startMs = performance.now();
    const ip = clientIp(req);
    ctx.drain.admit(res);
    void spendAhead(ctx, req, ip).then(
      (decision) => {
        let answer: Buffer | undefined;
        try {
          answer = decision.allowed ? ctx.services.resolve.cached(url, () => identityOf(null, ip))?.bytes : undefined;
        } catch {
          // Any doubt: the app answers (and explains) it.
        }
        if (answer === undefined) app(req, res);
        else send(req, res, answer, start, startMs);
      },
      (err: unknown) => {
        // The limiter answers rather than throws (cache/rate-limiter.ts); should it ever reject, the
        // request is not lost to an unhandled rejection: the app answers it (and spends the read itself).
        ctx.logger.error({ err }, 'lean path: the rate limiter failed');
        if (!res.headersSent) app(req, res);
        else res.destroy();
      },
    );
  };
  return (req, res) => {
    const url = req.url;
    if (
      (req.method !== 'GET' && req.method !== 'HEAD') ||
      url === undefined ||
      !url.startsWith(PREFIX) ||
      req.headers.authorization ||
      ctx.drain.draining
    ) {
      app(req, res);
      return;
    }
    if (limited) {
      if (url.includes('%00') || url.includes('\u0000')) app(req, res);
      else spendThenAnswer(req, res, url);
      return;
    }
    const start = process.hrtime.bigint();
    const startMs = performance.now();
    const answer = ctx.services.resolve.cached(url, () => identityOf(null, clientIp(req)));
    if (answer === undefined) {
      app(req, res);
      return;
    }
    ctx.drain.admit(res);
    send(req, res, answer.bytes, start, startMs);
  };
}
