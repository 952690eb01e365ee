import type { RequestListener } from 'node:http';
import express, { type Express, type RequestHandler, type Response } from 'express';
import type { AppContext } from '../context.js';
import { HttpLog } from '../logger.js';
import { assertNesting, jsonNesting } from '../services/input-limits.js';
import { createRequestListener } from './cached-get.js';
import { compose } from './compose.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { registerHealth } from './health.js';
import { authenticate } from './middleware/auth.js';
import { rejectNul } from './middleware/hostile-input.js';
import { requestMetrics } from './middleware/metrics.js';
import { rateLimit } from './middleware/rate-limit.js';
import { readPolicy } from './middleware/read-policy.js';
import { buildOpenApi } from './openapi.js';
import { routes } from './routes/index.js';
import { createWebRouter } from './web/router.js';

export const API_PREFIX = '/api/v1';

/** A body parser that GET and HEAD requests (no body to read) skip. */
function withBody(parser: RequestHandler): RequestHandler {
  return (req, res, next) => (req.method === 'GET' || req.method === 'HEAD' ? next() : parser(req, res, next));
}

/** Answers are never sniffed as something else. */
const noSniff: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  next();
};

/**
 * JSON answers are never kept by shared caches (they vary by token) unless the handler chose a
 * `Cache-Control`: on this app's response prototype, once, rather than a closure per request.
 * (Routes answer through `sendJson` in route.ts, which does the same.)
 */
function jsonNoStore(app: Express): void {
  const json = app.response.json;
  app.response.json = function (this: Response, body?: unknown) {
    if (!this.getHeader('Cache-Control')) this.setHeader('Cache-Control', 'no-store');
    return json.call(this, body);
  };
}

/**
 * The routes in one router per first path segment (`/resolve`, `/listings`, ...), picked by a
 * map lookup: a request is matched against the few routes of its segment, in registration
 * order, instead of every route registered before it. No two segments share a route.
 */
function routesByFirstSegment(ctx: AppContext): RequestHandler {
  const groups = new Map<string, ReturnType<typeof express.Router>>();
  for (const route of routes) {
    const segment = route.contract.path.split('/')[1] ?? '';
    let router = groups.get(segment);
    if (!router) {
      router = express.Router();
      groups.set(segment, router);
    }
    route.register(router, ctx);
  }
  return (req, res, next) => {
    const end = req.path.indexOf('/', 1);
    const router = groups.get(req.path.slice(1, end === -1 ? undefined : end));
    if (router) router(req, res, next);
    else next();
  };
}

/** The app and the server's request listener: cached resolves in front of it (cached-get.ts). */
export function createHandler(ctx: AppContext, version: string): { app: Express; listener: RequestListener } {
  const log = new HttpLog(ctx.logger);
  const app = createApp(ctx, version, log);
  return { app, listener: createRequestListener(ctx, app, log) };
}

/** The middleware order, top to bottom; the error handler is last. */
export function createApp(ctx: AppContext, version: string, log = new HttpLog(ctx.logger)): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', ctx.config.http.trustProxy);
  app.set('query parser', 'simple');
  jsonNoStore(app);

  // The drain's 503 comes after the log and nosniff: it is logged and headed like any answer.
  app.use(compose(requestMetrics(ctx.metrics), log.middleware, noSniff, ctx.drain.middleware()));
  registerHealth(app, ctx);
  app.use(rejectNul('url'));

  const openapi = buildOpenApi(routes, ctx.config.http.publicUrl, version);
  const api = express.Router();
  api.get('/', (_req, res) => {
    res.json({ name: 'cws-registry', version, api: API_PREFIX, openapi: `${API_PREFIX}/openapi.json` });
  });
  api.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  api.use(
    compose(
      withBody(
        express.json({
          limit: ctx.config.http.bodyLimit,
          strict: false,
          // Depth is checked on the raw bytes, before JSON.parse and zod recurse through it.
          verify: (_req, _res, buf) => assertNesting(jsonNesting(buf), 'the JSON body'),
        }),
      ),
      withBody(
        express.text({
          limit: ctx.config.http.bodyLimit,
          type: ['application/yaml', 'application/x-yaml', 'text/yaml'],
        }),
      ),
      rejectNul('body'),
      // Limits before authentication: a request with a made-up token costs a database lookup too.
      rateLimit(ctx),
      authenticate(ctx),
      readPolicy(ctx),
    ),
  );
  api.use(routesByFirstSegment(ctx));
  app.use(API_PREFIX, api);
  // Web pages at /: after the API, so /api paths never meet page middleware (helmet, sessions).
  app.use(createWebRouter(ctx, version));

  app.use(notFoundHandler);
  app.use(errorHandler(ctx.logger, ctx.checkResponses));
  return app;
}
