import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import type { Principal } from '../auth/tokens.js';
import type { AppContext } from '../context.js';
import { isRetryableRead } from '../db/errors.js';
import { AuthRequiredError, DomainError, ValidationError } from '../errors.js';
import { requireAdmin } from '../services/auth.js';

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What one route is: enough to validate its input and to describe it in OpenAPI. */
export interface RouteSpec<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI style, relative to /api/v1: /listings/{owner}/{name} */
  path: string;
  summary: string;
  tag: string;
  auth: 'none' | 'optional' | 'required' | 'admin';
  params?: P;
  query?: Q;
  body?: B;
  /** Extra request media types besides application/json (import takes YAML). */
  bodyTypes?: string[];
  response: { status: number; schema?: Schema; description: string };
  errors: number[];
  /** Counted against the write limit even though the method is GET (none yet), or the other way. */
  limit?: 'read' | 'write';
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal | null;
  req: Request;
  res: Response;
}

export interface DefinedRoute {
  spec: RouteSpec<Schema | undefined, Schema | undefined, Schema | undefined>;
  register(router: Router, ctx: AppContext): void;
}

/**
 * Declares a route: its spec and a handler that gets validated input. The handler returns
 * the response body (sent as JSON with the spec's status), or undefined when it answered itself.
 */
export function defineRoute<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined>(
  spec: RouteSpec<P, Q, B>,
  handler: (ctx: AppContext, input: RouteInput<Out<P>, Out<Q>, Out<B>>) => Promise<unknown>,
): DefinedRoute {
  const expressPath = spec.path.replace(/\{([a-z_]+)\}/g, ':$1');
  const mediaTypes = ['application/json', ...(spec.bodyTypes ?? [])];
  return {
    spec: spec as DefinedRoute['spec'],
    register(router, ctx) {
      const run: RequestHandler = async (req, res) => {
        const principal = req.principal ?? null;
        if (spec.auth !== 'none' && spec.auth !== 'optional' && !principal) throw new AuthRequiredError();
        if (spec.auth === 'admin') requireAdmin(principal!);
        if (spec.body && req.is(mediaTypes) === false) {
          throw new DomainError('unsupported_media_type', `send the body as ${mediaTypes.join(' or ')}`);
        }
        const params = parse('path', spec.params, req.params);
        const query = parse('query', spec.query, req.query);
        const body = parse('body', spec.body, req.body);
        const input = { params, query, body, principal, req, res } as RouteInput<Out<P>, Out<Q>, Out<B>>;
        // Reads are idempotent: one retry on a dropped connection (a Postgres restart or failover
        // usually costs one), so a client sees a 503 only when the database stays away.
        const result = spec.method === 'get' ? await retryRead(() => handler(ctx, input)) : await handler(ctx, input);
        if (result === undefined) {
          if (!res.headersSent) res.status(spec.response.status).end();
          return;
        }
        res.status(spec.response.status).json(result);
      };
      router[spec.method](expressPath, run);
    },
  };
}

function parse(where: 'path' | 'query' | 'body', schema: Schema | undefined, value: unknown): unknown {
  if (!schema) return undefined;
  if (where === 'body' && (value === undefined || value === null)) {
    throw new ValidationError('this request needs a JSON body', [{ path: 'body', message: 'missing' }]);
  }
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.slice(0, 20).map((i) => ({
    path: [where, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  throw new ValidationError(details.map((d) => `${d.path}: ${d.message}`).join('; '), details);
}

async function retryRead<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!isRetryableRead(err)) throw err;
    await new Promise((r) => setTimeout(r, 100));
    return fn();
  }
}
