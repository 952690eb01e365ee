import {
  type AnyContract,
  type AuthOf,
  type BodyOf,
  errorBody,
  type ParamsOf,
  type QueryOf,
  type ResponseInputOf,
} from '@cws/shared';
import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import type { Principal } from '../auth/tokens.js';
import { JsonText } from '../cache/json-text.js';
import type { AppContext } from '../context.js';
import { isRetryableRead } from '../db/errors.js';
import { AuthRequiredError, DomainError, ValidationError } from '../errors.js';
import { requireAdmin, requireScope } from '../services/auth.js';

/** The principal a handler sees: never null when the contract needs a token. */
export type PrincipalFor<A> = A extends 'required' | 'admin' ? Principal : Principal | null;

export interface RouteInput<C extends AnyContract> {
  params: ParamsOf<C>;
  query: QueryOf<C>;
  body: BodyOf<C>;
  principal: PrincipalFor<AuthOf<C>>;
  req: Request;
  res: Response;
}

export interface DefinedRoute {
  contract: AnyContract;
  register(router: Router, ctx: AppContext): void;
}

/**
 * A route: an endpoint contract from `@cws/shared` and a handler that gets the validated input and
 * returns what the contract's response schema describes (sent as JSON with the contract's status).
 * Checks, in order: the token, admin, the media type, path, query and body, then the contract's scopes.
 */
export function defineRoute<C extends AnyContract>(
  contract: C,
  handler: (ctx: AppContext, input: RouteInput<C>) => Promise<ResponseInputOf<C> | JsonText<ResponseInputOf<C>>>,
): DefinedRoute {
  const expressPath = contract.path.replace(/\{([a-z_]+)\}/g, ':$1');
  const mediaTypes = ['application/json', ...(contract.bodyTypes ?? [])];
  return {
    contract,
    register(router, ctx) {
      const run: RequestHandler = async (req, res) => {
        const principal = req.principal ?? null;
        if ((contract.auth === 'required' || contract.auth === 'admin') && !principal) throw new AuthRequiredError();
        if (contract.auth === 'admin' && principal) requireAdmin(principal);
        if (contract.body && req.is(mediaTypes) === false) {
          throw new DomainError('unsupported_media_type', `send the body as ${mediaTypes.join(' or ')}`);
        }
        const params = parse('path', contract.params, req.params);
        const query = parse('query', contract.query, req.query);
        const body = parse('body', contract.body, req.body);
        if (principal) for (const scope of contract.scopes) requireScope(principal, scope);
        const input = { params, query, body, principal, req, res } as RouteInput<C>;
        // Reads are idempotent: one retry on a dropped connection (a Postgres restart or failover
        // usually costs one), so a client sees a 503 only when the database stays away.
        const result: unknown =
          contract.method === 'get' ? await retryRead(() => handler(ctx, input)) : await handler(ctx, input);
        if (contract.response.schema === undefined || result === undefined) {
          if (!res.headersSent) res.status(contract.response.status).end();
          return;
        }
        if (ctx.checkResponses) checkResponse(contract, contract.response.schema, result);
        sendJson(res, contract.response.status, result);
      };
      router[contract.method](expressPath, run);
    },
  };
}

/**
 * Writes a JSON answer straight to the socket: what `res.json()` does (`Content-Type`, length,
 * `no-store` unless the handler chose a `Cache-Control`, as `noSniff` in app.ts) without
 * Express's send path (charset, ETag and freshness checks this API never uses): ~10% of a cached
 * answer's CPU. A `JsonText` (an answer the cache keeps serialised) goes out as its bytes.
 * A HEAD request gets the headers only (node:http drops the body).
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  const out = body instanceof JsonText ? body.bytes : JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', typeof out === 'string' ? Buffer.byteLength(out) : out.length);
  if (!res.getHeader('Cache-Control')) res.setHeader('Cache-Control', 'no-store');
  res.end(out);
}

/** Tests turn this on: an answer that its contract does not describe is a 500 naming the mismatch. */
export function checkResponse(contract: AnyContract, schema: z.ZodType, result: unknown): void {
  const json = result instanceof JsonText ? result.bytes.toString() : JSON.stringify(result);
  const parsed = schema.safeParse(JSON.parse(json));
  if (parsed.success) return;
  const problems = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  throw new DomainError('internal', `the answer of ${contract.name} does not match its contract: ${problems}`);
}

/** The same check for error bodies, used by the error handler. */
export function checkErrorBody(body: unknown): void {
  const parsed = errorBody.safeParse(body);
  if (!parsed.success) throw new Error(`an error body does not match the shared schema: ${parsed.error.message}`);
}

function parse(where: 'path' | 'query' | 'body', schema: z.ZodType | undefined, value: unknown): unknown {
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

export async function retryRead<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!isRetryableRead(err)) throw err;
    await new Promise((r) => setTimeout(r, 100));
    return fn();
  }
}
