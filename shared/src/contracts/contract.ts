import type { z } from 'zod';
import type { Scope } from '../validators.js';

export type HttpVerb = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** none: anonymous only matters; optional: a token changes the answer; required: a token; admin: an admin's token. */
export type AuthRequirement = 'none' | 'optional' | 'required' | 'admin';
type Schema = z.ZodType;

/**
 * One endpoint of the registry's JSON API: what the server validates and answers, what OpenAPI documents and
 * what the typed client calls by name. The server's `defineRoute` takes one of these and a handler.
 */
export interface Contract<
  P extends Schema | undefined = Schema | undefined,
  Q extends Schema | undefined = Schema | undefined,
  B extends Schema | undefined = Schema | undefined,
  R extends Schema | undefined = Schema | undefined,
  A extends AuthRequirement = AuthRequirement,
> {
  /** The operation's name: the key in `contracts` and the name the client calls it by. */
  name: string;
  method: HttpVerb;
  /** OpenAPI style, relative to /api/v1: /listings/{owner}/{name} */
  path: string;
  summary: string;
  tag: string;
  auth: A;
  /** Token scopes the caller needs (checked whenever a principal is present). */
  scopes: readonly Scope[];
  params?: P;
  query?: Q;
  body?: B;
  /** Extra request media types besides application/json (import takes YAML). */
  bodyTypes?: readonly string[];
  /** The success answer: its status and, unless it has no body (204), its schema. */
  response: { status: number; schema?: R; description: string };
  /** Error statuses it may answer with (503 is implied everywhere). */
  errors: readonly number[];
  /** Counted against the write limit even though the method is GET (none yet), or the other way. */
  limit?: 'read' | 'write';
}

/** Any contract, whatever its schemas. */
// biome-ignore lint/suspicious/noExplicitAny: the widest contract, for lists and constraints
export type AnyContract = Contract<any, any, any, any, AuthRequirement>;

/** Declares a contract, keeping its exact schema types for the server's handler and the client. */
export function defineContract<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
  R extends Schema | undefined = undefined,
  const A extends AuthRequirement = AuthRequirement,
>(contract: Contract<P, Q, B, R, A>): Contract<P, Q, B, R, A> {
  return contract;
}

type Output<S> = S extends Schema ? z.output<S> : undefined;
type Input<S> = S extends Schema ? z.input<S> : undefined;

/** What the server's handler gets after validation. */
export type ParamsOf<C> =
  C extends Contract<infer P, Schema | undefined, Schema | undefined, Schema | undefined, AuthRequirement>
    ? Output<P>
    : never;
export type QueryOf<C> =
  C extends Contract<Schema | undefined, infer Q, Schema | undefined, Schema | undefined, AuthRequirement>
    ? Output<Q>
    : never;
export type BodyOf<C> =
  C extends Contract<Schema | undefined, Schema | undefined, infer B, Schema | undefined, AuthRequirement>
    ? Output<B>
    : never;
export type AuthOf<C> =
  C extends Contract<Schema | undefined, Schema | undefined, Schema | undefined, Schema | undefined, infer A>
    ? A
    : never;
/** What the server sends (anything the response schema accepts); void for a 204. */
export type ResponseInputOf<C> =
  C extends Contract<Schema | undefined, Schema | undefined, Schema | undefined, infer R, AuthRequirement>
    ? R extends Schema
      ? z.input<R>
      : // biome-ignore lint/suspicious/noConfusingVoidType: a 204 handler returns nothing
        void
    : never;
/** What the client gets back after checking the answer. */
export type ResponseOf<C> =
  C extends Contract<Schema | undefined, Schema | undefined, Schema | undefined, infer R, AuthRequirement>
    ? R extends Schema
      ? z.output<R>
      : undefined
    : never;
/** What a client sends: path parameters and body as the schemas take them (the server validates them). */
export type ParamsInputOf<C> =
  C extends Contract<infer P, Schema | undefined, Schema | undefined, Schema | undefined, AuthRequirement>
    ? Input<P>
    : never;
export type BodyInputOf<C> =
  C extends Contract<Schema | undefined, Schema | undefined, infer B, Schema | undefined, AuthRequirement>
    ? Input<B>
    : never;

/** The URL path (under /api/v1) of a contract with its path parameters filled in, each one percent-encoded. */
export function pathOf(contract: Pick<AnyContract, 'path' | 'name'>, params: Record<string, unknown> = {}): string {
  return contract.path.replace(/\{([a-z_]+)\}/g, (_m, key: string) => {
    const value = params[key];
    if (value === undefined || value === null || value === '') {
      throw new TypeError(`${contract.name}: the path parameter ${key} is missing`);
    }
    return encodeURIComponent(String(value));
  });
}
