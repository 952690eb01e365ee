import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import { contracts, type ResolveQuery, resolveParams, resolveQuery, resolveResult } from '@cws/shared';
import type { Express, Request } from 'express';
import type { AppContext } from '../context.js';
import { isRetryableRead } from '../db/errors.js';
import type { HttpLog } from '../logger.js';
import { identityOf } from '../services/downloads.js';
import { spendAhead } from './middleware/rate-limit.js';
import { checkResponse, retryRead } from './route.js';

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
 * What a resolve answered in front of Express failed with (a miss, a refused input the schemas
 * passed, a test's response check), for the request it hands on to the app: the resolve route
 * throws it (routes/resolve/get.ts) instead of resolving again, so the app's error handler
 * answers it (status, body, headers, log line, metrics) without a second trip to the database.
 * Errors worth retrying (a dropped connection) are not kept: the route tries again itself.
 */
const failedAhead = new WeakMap<IncomingMessage, { error: unknown }>();

/** The lean path's failure for this request, if it had one (see failedAhead). */
export function failureAhead(req: IncomingMessage): { error: unknown } | undefined {
  return failedAhead.get(req);
}

/**
 * The template and query of a resolve URL, validated by the route's own schemas, as the full
 * stack would read them (Express: the path segment percent-decoded, the query by
 * `node:querystring`, the app's 'simple' query parser); undefined for anything the lean path
 * leaves to the app, which answers (and explains) it: another path below the prefix (a trailing
 * slash, a second segment), bad percent-encoding, input the schemas refuse (a 400 there).
 */
export function resolveInput(url: string): { template: string; query: ResolveQuery } | undefined {
  const q = url.indexOf('?');
  const segment = url.slice(PREFIX.length, q === -1 ? undefined : q);
  if (segment === '' || segment.includes('/')) return undefined;
  let template: string;
  try {
    template = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  const params = resolveParams.safeParse({ template });
  if (!params.success) return undefined;
  const query = resolveQuery.safeParse(q === -1 ? {} : parseQueryString(url.slice(q + 1)));
  if (!query.success) return undefined;
  return { template: params.data.template, query: query.data };
}

/**
 * The server's request listener: anonymous resolves answered in front of Express, everything
 * else (and any doubt) through the app. Express's three routers, its per-request middleware
 * (metrics, log, nosniff, drain, NUL check, body parsers, rate limit, authentication, read
 * policy) and the route's plumbing cost more CPU than the resolve's own work; what the lean path
 * sends is what the full stack sends for the same request: the same bytes, headers (nosniff,
 * then sendJson's), download count, metrics (under the route's label), log line (the same
 * request ids) and in-flight count for a graceful shutdown. Only when nothing could answer it
 * otherwise: a GET or HEAD of the resolve prefix, no Authorization header (a token goes through
 * authentication, scopes and its own cache key), reads open to anonymous callers, not draining
 * (the full stack answers the 503), no NUL in the URL (the app refuses it, 400, uncharged).
 *
 * - A resolve whose raw URL an anonymous request already had answered, whose answer is still in
 *   this process's cache tier, is sent from there without parsing anything (`cached`): no
 *   promise at all when limits are off.
 * - Any other is parsed and validated with the route's schemas (`resolveInput`) and resolved by
 *   the same service call the route makes (with the route's one retry of a read on a dropped
 *   connection, and its response check when tests turn it on). A URL the schemas refuse goes on
 *   to the app; so do a miss (404) and any error, with the error attached (`failureAhead`), so
 *   the app's error handler answers it without the route resolving again.
 *
 * With a read limit on (the default), the lean path spends the request's read first, as the
 * full stack's rateLimit middleware would (middleware/rate-limit.ts: the same limiter, so both
 * paths share one budget per client address, in Redis when it is configured). A refused request,
 * or one handed on, goes to the app with the decision attached: the app's rateLimit settles it
 * (the same 429, Retry-After, metrics, log line) without spending again. A request the lean path
 * waits for counts as in flight from its arrival (admitted before any await, as the full stack's
 * drain middleware admits it before its rateLimit), so a drain that begins meanwhile waits for
 * it, and the app does not count it twice or refuse it. test/api/hot-path.test.ts asserts all
 * this over HTTP.
 */
export function createRequestListener(ctx: AppContext, app: Express, log: HttpLog): RequestListener {
  const { config } = ctx;
  if (config.access.read === 'signed-in') return app;
  const limited = config.rateLimit.readPerMinute > 0;
  const cacheOn = ctx.cache.enabled;
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
  /** Sends an answer; the response was admitted to the drain's count. */
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
  /** The cached answer to a URL answered before, counted as a download; undefined when there is none (or any doubt). */
  const cachedAnswer = (url: string, ip: string | undefined): Buffer | undefined => {
    if (!cacheOn) return undefined;
    try {
      return ctx.services.resolve.cached(url, () => identityOf(null, ip))?.bytes;
    } catch {
      return undefined;
    }
  };
  /** Resolves a URL not answered from the cache, as the route does; the app takes whatever it cannot answer. */
  const resolveThenAnswer = (
    req: IncomingMessage,
    res: ServerResponse,
    url: string,
    ip: string | undefined,
    start: bigint,
    startMs: number,
  ) => {
    const input = resolveInput(url);
    if (input === undefined) {
      app(req, res);
      return;
    }
    const identity = identityOf(null, ip);
    void retryRead(async () => {
      const answer = await ctx.services.resolve.resolve(input.template, input.query, identity, null, url);
      if (ctx.checkResponses) checkResponse(contracts.resolve, resolveResult, answer);
      return answer;
    }).then(
      (answer) => send(req, res, answer.bytes, start, startMs),
      (error: unknown) => {
        // A miss, or an error: the app answers (and explains) it.
        if (!isRetryableRead(error)) failedAhead.set(req, { error });
        if (!res.headersSent) app(req, res);
        else res.destroy();
      },
    );
  };
  /** Limits on: the read spent first, then the answer looked up or made; a refusal to the app. */
  const spendThenAnswer = (req: IncomingMessage, res: ServerResponse, url: string) => {
    const start = process.hrtime.bigint();
    const startMs = performance.now();
    const ip = clientIp(req);
    ctx.drain.admit(res);
    void spendAhead(ctx, req, ip).then(
      (decision) => {
        if (!decision.allowed) {
          app(req, res);
          return;
        }
        const answer = cachedAnswer(url, ip);
        if (answer === undefined) resolveThenAnswer(req, res, url, ip, start, startMs);
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
      ctx.drain.draining ||
      url.includes('%00') ||
      url.includes('\u0000')
    ) {
      app(req, res);
      return;
    }
    if (limited) {
      spendThenAnswer(req, res, url);
      return;
    }
    const start = process.hrtime.bigint();
    const startMs = performance.now();
    const ip = clientIp(req);
    ctx.drain.admit(res);
    const answer = cachedAnswer(url, ip);
    if (answer === undefined) resolveThenAnswer(req, res, url, ip, start, startMs);
    else send(req, res, answer, start, startMs);
  };
}
