import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import * as z from 'zod';
import { RegistryError } from './errors.js';
import { backoffDelay, IDEMPOTENT_METHODS, parseRetryAfter, RETRYABLE_STATUSES, sleep } from './retry.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type QueryValue = string | number | boolean | undefined | null;

export interface HttpClientOptions {
  /** The registry's root URL (`https://registry.example.org`); a trailing `/api/v1` is accepted and dropped. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer`; never appears in errors. */
  token?: string | undefined;
  /** Per attempt: connect, headers and body must all arrive within this. Default 2000 ms. */
  timeoutMs?: number;
  /** Extra attempts for idempotent requests after a network error, 5xx or 429. Default 2. */
  retries?: number;
  /** Backoff between retries: base * 2^attempt with jitter, capped. Defaults 200 ms and 2000 ms. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A 429 whose Retry-After is longer than this is not waited for; the error carries `retryAfterMs`. Default 5000. */
  maxRetryAfterMs?: number;
  /** A registry that did not answer in time is slow; by default it is not asked again. */
  retryOnTimeout?: boolean;
  /** Bodies larger than this are refused as invalid. Default 8 MiB. */
  maxResponseBytes?: number;
  userAgent?: string;
  /** Called before each retry, for logging; never told the token. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string; method: string; url: string }) => void;
  /** For tests: the jitter source. */
  random?: () => number;
}

export interface RequestSpec<T> {
  method: HttpMethod;
  /** Path under the API root, e.g. `/api/v1/me`. */
  path: string;
  query?: Record<string, QueryValue> | undefined;
  body?: unknown;
  /** The shared zod schema the answer must match. */
  schema: z.ZodType<T>;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
}

/** A lenient reading of `{error:{code,message,details?}}`: a third-party registry may use codes we do not know. */
const looseErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export function normalizeBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`not a URL: ${baseUrl}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`not an http(s) URL: ${baseUrl}`);
  url.search = '';
  url.hash = '';
  return url
    .toString()
    .replace(/\/+$/, '')
    .replace(/\/api\/v1$/, '');
}

export function buildUrl(baseUrl: string, path: string, query?: Record<string, QueryValue>): string {
  const url = new URL(baseUrl + path);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    url.searchParams.set(key, String(value));
  }
  return url.toString();
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  // Control characters from a hostile server should not reach the user's terminal.
  const clean = flat.replace(/\p{Cc}/gu, '?');
  return clean.length > 60 ? `${clean.slice(0, 60)}...` : clean;
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
};

function networkCode(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string }; errors?: { code?: string }[] };
  return e.cause?.code ?? e.code ?? e.errors?.[0]?.code ?? 'network';
}

function describeZodError(error: z.ZodError): string {
  const [first] = error.issues;
  if (!first) return 'unexpected shape';
  const where = first.path.length ? first.path.join('.') : '(root)';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problems)` : '';
  return `${where}: ${first.message}${more}`;
}

/** A request on a kept-alive socket that failed this way never reached a server that was still listening on it. */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/**
 * One HTTP exchange with Node's own http/https (keep-alive agent, native parser). Not fetch/undici: undici is
 * half a megabyte of JavaScript plus a WebAssembly parser, most of a short `cws` command's start-up on Node 20.
 *
 * A kept-alive socket the server closed while it sat idle (its keep-alive timeout: Node's own is 5 s) can be
 * handed out for the next request before the close reaches us; that request then fails with ECONNRESET. It is
 * sent again once, at once, on a new socket: when it failed before any byte of an answer, and either the method
 * is idempotent or the body was not all written (a server acts on no request before its whole body arrived).
 */
function send(
  url: string,
  method: HttpMethod,
  headers: Record<string, string>,
  body: string | null,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const all = body === null ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    const attempt = (fresh: boolean) => {
      let answered = false;
      // agent: false is a socket of its own, closed after the answer: never a pooled one that may be stale too.
      const options = fresh ? { method, headers: all, signal, agent: false } : { method, headers: all, signal };
      const req = request(url, options, (res) => {
        answered = true;
        resolve(res);
      });
      req.once('error', (err: NodeJS.ErrnoException) => {
        const stale =
          !fresh &&
          !answered &&
          req.reusedSocket &&
          !signal.aborted &&
          STALE_SOCKET_CODES.has(err.code ?? '') &&
          (IDEMPOTENT_METHODS.has(method) || !req.writableFinished);
        if (stale) attempt(true);
        else reject(err);
      });
      req.end(body ?? undefined);
    };
    attempt(false);
  });
}

/** Transport-level HTTP for the registry: timeouts, retries, Retry-After, error bodies, schema-checked answers. */
export class HttpClient {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  private readonly opts: HttpClientOptions;

  constructor(opts: HttpClientOptions) {
    this.opts = opts;
    this.baseUrl = normalizeBaseUrl(opts.baseUrl);
    this.timeoutMs = opts.timeoutMs ?? 2000;
  }

  async request<T>(spec: RequestSpec<T>): Promise<T> {
    const url = buildUrl(this.baseUrl, spec.path, spec.query);
    const retries = this.opts.retries ?? 2;
    const idempotent = IDEMPOTENT_METHODS.has(spec.method);
    for (let attempt = 0; ; attempt++) {
      const attempts = attempt + 1;
      let response: RawResponse;
      try {
        response = await this.once(spec, url, attempts);
      } catch (err) {
        if (!(err instanceof RegistryError)) throw err; // the caller's own abort
        const refused = err.code === 'ECONNREFUSED'; // never reached the server: safe to resend even a POST
        const retryable =
          (err.kind === 'network' && (idempotent || refused)) ||
          (err.kind === 'timeout' && idempotent && this.opts.retryOnTimeout === true);
        if (retryable && attempt < retries) {
          await this.pause(attempt, undefined, err.summary, spec, url);
          continue;
        }
        throw err;
      }
      if (response.status >= 200 && response.status < 300) return this.parse(spec, url, response, attempts);

      const error = this.errorFrom(spec.method, url, response, attempts);
      if (response.status === 429) {
        // The registry refused to process the request, so even a POST may be sent again.
        const wait = error.retryAfterMs;
        const maxWait = this.opts.maxRetryAfterMs ?? 5000;
        if (attempt < retries && (wait === undefined || wait <= maxWait)) {
          await this.pause(attempt, wait, error.summary, spec, url);
          continue;
        }
        throw error;
      }
      if (idempotent && RETRYABLE_STATUSES.has(response.status) && attempt < retries) {
        await this.pause(attempt, undefined, error.summary, spec, url);
        continue;
      }
      throw error;
    }
  }

  private async pause(
    attempt: number,
    fixedMs: number | undefined,
    reason: string,
    spec: RequestSpec<unknown>,
    url: string,
  ): Promise<void> {
    const delayMs =
      fixedMs ??
      backoffDelay(attempt, this.opts.backoffBaseMs ?? 200, this.opts.backoffMaxMs ?? 2000, this.opts.random);
    this.opts.onRetry?.({ attempt: attempt + 1, delayMs, reason, method: spec.method, url });
    await sleep(delayMs, spec.signal);
  }

  private headers(hasBody: boolean): Record<string, string> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.opts.userAgent ?? 'cws-registry-client',
    };
    if (hasBody) headers['content-type'] = 'application/json';
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    return headers;
  }

  private async once(spec: RequestSpec<unknown>, url: string, attempts: number): Promise<RawResponse> {
    const timeoutMs = spec.timeoutMs ?? this.timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const onOuterAbort = () => controller.abort(spec.signal?.reason);
    spec.signal?.addEventListener('abort', onOuterAbort, { once: true });
    const hasBody = spec.body !== undefined;
    try {
      const res = await send(
        url,
        spec.method,
        this.headers(hasBody),
        hasBody ? JSON.stringify(spec.body) : null,
        controller.signal,
      );
      const text = await this.readBody(res, spec.method, url, attempts);
      return { status: res.statusCode ?? 0, headers: res.headers, text };
    } catch (err) {
      if (err instanceof RegistryError) throw err;
      if (timedOut) {
        throw new RegistryError({
          kind: 'timeout',
          code: 'timeout',
          message: `no answer from ${new URL(url).host} within ${timeoutMs} ms`,
          method: spec.method,
          url,
          attempts,
        });
      }
      if (spec.signal?.aborted) throw spec.signal.reason ?? err;
      const code = networkCode(err);
      throw new RegistryError({
        kind: 'network',
        code,
        message: `${NETWORK_WORDS[code] ?? `network error (${code})`} at ${new URL(url).host}`,
        method: spec.method,
        url,
        attempts,
        cause: err,
      });
    } finally {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onOuterAbort);
    }
  }

  private async readBody(
    body: AsyncIterable<Buffer> & { destroy(): void },
    method: string,
    url: string,
    attempts: number,
  ) {
    const max = this.opts.maxResponseBytes ?? 8 * 1024 * 1024;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > max) {
        body.destroy();
        throw new RegistryError({
          kind: 'invalid_response',
          code: 'too_large',
          message: `response larger than ${max} bytes`,
          method,
          url,
          attempts,
        });
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private parse<T>(spec: RequestSpec<T>, url: string, response: RawResponse, attempts: number): T {
    let json: unknown;
    if (response.text.trim() === '') {
      json = undefined;
    } else {
      try {
        json = JSON.parse(response.text);
      } catch {
        throw new RegistryError({
          kind: 'invalid_response',
          code: 'not_json',
          status: response.status,
          message: `answer is not JSON ("${snippet(response.text)}")`,
          method: spec.method,
          url,
          attempts,
        });
      }
    }
    const parsed = spec.schema.safeParse(json);
    if (!parsed.success) {
      throw new RegistryError({
        kind: 'invalid_response',
        code: 'schema_mismatch',
        status: response.status,
        message: `answer does not match the cws API (${describeZodError(parsed.error)})`,
        method: spec.method,
        url,
        attempts,
      });
    }
    return parsed.data;
  }

  private errorFrom(method: string, url: string, response: RawResponse, attempts: number): RegistryError {
    const retryAfterMs = response.status === 429 ? parseRetryAfter(response.headers['retry-after']) : undefined;
    let body: z.infer<typeof looseErrorBody> | undefined;
    try {
      const parsed = looseErrorBody.safeParse(JSON.parse(response.text));
      if (parsed.success) body = parsed.data;
    } catch {
      // not JSON: described below from the status alone
    }
    const kind = response.status === 429 ? 'rate_limited' : 'http';
    const location = response.headers.location;
    const fallback =
      response.status >= 300 && response.status < 400
        ? `redirected to ${String(location ?? 'another address')}; configure that URL instead`
        : response.text.trim()
          ? `HTTP ${response.status} ("${snippet(response.text)}")`
          : `HTTP ${response.status}`;
    return new RegistryError({
      kind,
      status: response.status,
      code: body?.error.code,
      message: body?.error.message ?? fallback,
      details: body?.error.details,
      retryAfterMs,
      method,
      url,
      attempts,
    });
  }
}
