import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { isNoMatch, RegistryError } from './errors.js';
import { HttpClient, normalizeBaseUrl } from './http.js';
import { RegistryClient } from './registry-client.js';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;
const servers: Server[] = [];

/** A real HTTP server on loopback; `hits` records each request with its arrival time. */
async function serve(handler: Handler) {
  const hits: { method: string; url: string; at: number; headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      hits.push({ method: req.method ?? '', url: req.url ?? '', at: performance.now(), headers: req.headers, body });
      handler(req, res, hits.length);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((r) => {
          s.closeAllConnections();
          s.close(() => r());
        }),
    ),
  );
});

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};
const ok = z.object({ ok: z.literal(true) });
const fast = { backoffBaseMs: 20, backoffMaxMs: 50 };

async function failure(p: Promise<unknown>): Promise<RegistryError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RegistryError);
    return err as RegistryError;
  }
  throw new Error('expected a RegistryError');
}

describe('HttpClient', () => {
  it('parses a good answer with the schema and sends the bearer token', async () => {
    const s = await serve((_q, res) => send(res, 200, { ok: true }));
    const http = new HttpClient({ baseUrl: `${s.url}/api/v1/`, token: 'secret-token' });
    await expect(
      http.request({ method: 'GET', path: '/api/v1/x', query: { a: 1, b: undefined }, schema: ok }),
    ).resolves.toEqual({ ok: true });
    expect(s.hits[0]?.url).toBe('/api/v1/x?a=1');
    expect(s.hits[0]?.headers.authorization).toBe('Bearer secret-token');
  });

  it('retries a 503 on GET with growing backoff, then succeeds', async () => {
    const s = await serve((_q, res, n) =>
      n < 3 ? send(res, 503, { error: { code: 'unavailable', message: 'db' } }) : send(res, 200, { ok: true }),
    );
    const http = new HttpClient({ baseUrl: s.url, backoffBaseMs: 40, backoffMaxMs: 1000, random: () => 1 });
    await expect(http.request({ method: 'GET', path: '/x', schema: ok })).resolves.toEqual({ ok: true });
    expect(s.hits).toHaveLength(3);
    const [a, b, c] = s.hits.map((h) => h.at) as [number, number, number];
    expect(b - a).toBeGreaterThanOrEqual(35); // 40 * 2^0
    expect(c - b).toBeGreaterThanOrEqual(75); // 40 * 2^1
  });

  it("gives up after the retries with the registry's own error", async () => {
    const s = await serve((_q, res) => send(res, 500, { error: { code: 'internal', message: 'boom' } }));
    const err = await failure(
      new HttpClient({ baseUrl: s.url, retries: 2, ...fast }).request({ method: 'GET', path: '/x', schema: ok }),
    );
    expect(s.hits).toHaveLength(3);
    expect(err).toMatchObject({ kind: 'http', status: 500, code: 'internal', message: 'boom', attempts: 3 });
    expect(err.unreachable).toBe(true);
  });

  it('never retries a POST that reached the server', async () => {
    const s = await serve((_q, res) => send(res, 503, { error: { code: 'unavailable', message: 'db' } }));
    await failure(
      new HttpClient({ baseUrl: s.url, ...fast }).request({ method: 'POST', path: '/x', body: { a: 1 }, schema: ok }),
    );
    expect(s.hits).toHaveLength(1);
    expect(JSON.parse(s.hits[0]?.body ?? '')).toEqual({ a: 1 });
  });

  it("waits for a 429's Retry-After (seconds) before asking again", async () => {
    const s = await serve((_q, res, n) =>
      n === 1
        ? send(res, 429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'retry-after': '1' })
        : send(res, 200, { ok: true }),
    );
    await new HttpClient({ baseUrl: s.url, ...fast }).request({ method: 'GET', path: '/x', schema: ok });
    expect(s.hits).toHaveLength(2);
    expect((s.hits[1]?.at ?? 0) - (s.hits[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('accepts an HTTP-date Retry-After', async () => {
    const s = await serve((_q, res, n) =>
      n === 1
        ? send(res, 429, '', { 'retry-after': new Date(Date.now() + 1500).toUTCString() })
        : send(res, 200, { ok: true }),
    );
    await new HttpClient({ baseUrl: s.url, ...fast }).request({ method: 'GET', path: '/x', schema: ok });
    expect((s.hits[1]?.at ?? 0) - (s.hits[0]?.at ?? 0)).toBeGreaterThanOrEqual(400);
  });

  it('does not wait for a Retry-After beyond its limit; the error carries it', async () => {
    const s = await serve((_q, res) =>
      send(res, 429, { error: { code: 'rate_limited', message: 'later' } }, { 'retry-after': '120' }),
    );
    const err = await failure(
      new HttpClient({ baseUrl: s.url, maxRetryAfterMs: 2000 }).request({ method: 'GET', path: '/x', schema: ok }),
    );
    expect(s.hits).toHaveLength(1);
    expect(err).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 120_000 });
    expect(err.summary).toBe('rate limited (429), retry after 120 s');
  });

  it('times out a registry that does not answer, and does not ask it again', async () => {
    const s = await serve(() => {});
    const t0 = performance.now();
    const err = await failure(
      new HttpClient({ baseUrl: s.url, timeoutMs: 300 }).request({ method: 'GET', path: '/x', schema: ok }),
    );
    expect(err.kind).toBe('timeout');
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(s.hits).toHaveLength(1);
  });

  it('times out a body that trickles in too slowly', async () => {
    const s = await serve((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"ok":');
    });
    const err = await failure(
      new HttpClient({ baseUrl: s.url, timeoutMs: 300 }).request({ method: 'GET', path: '/x', schema: ok }),
    );
    expect(err.kind).toBe('timeout');
  });

  it('retries a refused connection, then reports it as unreachable', async () => {
    const s = await serve(() => {});
    const url = s.url;
    await new Promise<void>((r) => servers.pop()?.close(() => r()));
    const err = await failure(
      new HttpClient({ baseUrl: url, retries: 1, ...fast }).request({ method: 'GET', path: '/x', schema: ok }),
    );
    expect(err).toMatchObject({ kind: 'network', code: 'ECONNREFUSED', attempts: 2 });
    expect(err.message).toMatch(/connection refused/);
  });

  it('turns garbage into a typed error: not JSON, wrong shape, too large', async () => {
    const html = await serve((_q, res) => send(res, 200, '<html>hello</html>'));
    const e1 = await failure(new HttpClient({ baseUrl: html.url }).request({ method: 'GET', path: '/x', schema: ok }));
    expect(e1).toMatchObject({ kind: 'invalid_response', code: 'not_json' });
    expect(e1.message).toContain('<html>hello</html>');

    const shape = await serve((_q, res) => send(res, 200, { ok: 'yes' }));
    const e2 = await failure(new HttpClient({ baseUrl: shape.url }).request({ method: 'GET', path: '/x', schema: ok }));
    expect(e2).toMatchObject({ kind: 'invalid_response', code: 'schema_mismatch' });
    expect(e2.message).toMatch(/ok:/);

    const big = await serve((_q, res) => send(res, 200, { ok: true, pad: 'x'.repeat(5000) }));
    const e3 = await failure(
      new HttpClient({ baseUrl: big.url, maxResponseBytes: 1000 }).request({ method: 'GET', path: '/x', schema: ok }),
    );
    expect(e3).toMatchObject({ kind: 'invalid_response', code: 'too_large' });
  });

  it('maps {error:{code,message,details}} bodies and never echoes the token', async () => {
    const s = await serve((_q, res) =>
      send(res, 400, {
        error: {
          code: 'validation_failed',
          message: 'bad input',
          details: [{ path: 'rating', message: 'rating is 1-5' }],
        },
      }),
    );
    const err = await failure(
      new HttpClient({ baseUrl: s.url, token: 'tok-123' }).request({ method: 'PUT', path: '/x', body: {}, schema: ok }),
    );
    expect(err).toMatchObject({
      kind: 'http',
      status: 400,
      code: 'validation_failed',
      details: [{ path: 'rating', message: 'rating is 1-5' }],
    });
    expect(JSON.stringify({ ...err, message: err.message })).not.toContain('tok-123');
    expect(err.unreachable).toBe(false);
  });

  it('describes an error status without a JSON body', async () => {
    const s = await serve((_q, res) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('Bad Gateway');
    });
    const err = await failure(
      new HttpClient({ baseUrl: s.url, retries: 0 }).request({ method: 'GET', path: '/x', schema: ok }),
    );
    expect(err.message).toBe('HTTP 502 ("Bad Gateway")');
  });

  it('normalizes base URLs', () => {
    expect(normalizeBaseUrl('https://r.example.org/')).toBe('https://r.example.org');
    expect(normalizeBaseUrl('https://r.example.org/api/v1/')).toBe('https://r.example.org');
    expect(normalizeBaseUrl('https://r.example.org/cws?x=1')).toBe('https://r.example.org/cws');
    expect(() => normalizeBaseUrl('ftp://r.example.org')).toThrow(/http/);
  });
});

describe('RegistryClient', () => {
  it('resolve() reports no_match as a recognisable error', async () => {
    const s = await serve((_q, res) =>
      send(res, 404, { error: { code: 'no_match', message: 'nothing for python-ml in us-east-1' } }),
    );
    const client = new RegistryClient({ baseUrl: s.url });
    const err = await failure(
      client.resolve('python-ml', { region: 'us-east-1', architecture: 'x86_64', verified_only: true }),
    );
    expect(isNoMatch(err)).toBe(true);
    expect(s.hits[0]?.url).toBe('/api/v1/resolve/python-ml?region=us-east-1&architecture=x86_64&verified_only=true');
  });

  it('encodes path segments', async () => {
    const s = await serve((_q, res) => send(res, 404, { error: { code: 'not_found', message: 'no' } }));
    await failure(new RegistryClient({ baseUrl: s.url }).getListing('a', 'b/../c'));
    expect(s.hits[0]?.url).toBe('/api/v1/listings/a/b%2F..%2Fc');
  });
});

/**
 * A real HTTP/1.1 server on loopback that closes kept-alive sockets under the client: it answers the first
 * request of each connection (keep-alive), and resets the connection when a second request arrives on it
 * (what the client meets when the server's keep-alive timeout closed the socket while the request was on
 * its way). `seen` records every request head, with the connection number and whether it was answered.
 */
async function closesIdleSockets() {
  const seen: { connection: number; method: string; answered: boolean; bodyBytes: number }[] = [];
  let connections = 0;
  const server = createNetServer((socket) => {
    const connection = ++connections;
    let buffer = Buffer.alloc(0);
    let served = 0;
    // The request being read: its method and the body bytes still to come (counted, not kept).
    let head: { method: string; left: number; length: number } | null = null;
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      buffer = head ? chunk : Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!head) {
          const end = buffer.indexOf('\r\n\r\n');
          if (end === -1) return;
          const text = buffer.subarray(0, end).toString('latin1');
          const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(text)?.[1] ?? 0);
          head = { method: text.split(' ')[0]!, left: length, length };
          buffer = buffer.subarray(end + 4);
          if (served > 0) {
            seen.push({ connection, method: head.method, answered: false, bodyBytes: Math.min(buffer.length, length) });
            socket.resetAndDestroy();
            return;
          }
        }
        const take = Math.min(head.left, buffer.length);
        head.left -= take;
        buffer = buffer.subarray(take);
        if (head.left > 0) return;
        seen.push({ connection, method: head.method, answered: true, bodyBytes: head.length });
        head = null;
        served += 1;
        const body = '{"ok":true}';
        socket.write(
          `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`,
        );
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('HttpClient on kept-alive sockets the server closed', () => {
  // No backoff retries: what is asserted is the one immediate resend on a new socket.
  const opts = { retries: 0, timeoutMs: 10_000 };

  it('sends a GET again once, on a new socket, when its reused socket was reset before any answer', async () => {
    const s = await closesIdleSockets();
    try {
      const client = new HttpClient({ baseUrl: s.url, ...opts });
      expect(await client.request({ method: 'GET', path: '/a', schema: ok })).toEqual({ ok: true });
      expect(await client.request({ method: 'GET', path: '/b', schema: ok })).toEqual({ ok: true });
      // The second request went out on the first connection (reused), was reset, and went again on a new one.
      expect(s.seen.map(({ connection, answered }) => [connection, answered])).toEqual([
        [1, true],
        [1, false],
        [2, true],
      ]);
    } finally {
      await s.close();
    }
  });

  it('does not send a POST again once its whole body was written: the server may have acted on it', async () => {
    const s = await closesIdleSockets();
    try {
      const client = new HttpClient({ baseUrl: s.url, ...opts });
      await client.request({ method: 'GET', path: '/a', schema: ok });
      const err = await failure(client.request({ method: 'POST', path: '/b', body: { n: 1 }, schema: ok }));
      expect(err.kind).toBe('network');
      expect(err.code).toBe('ECONNRESET');
      expect(s.seen.filter((r) => r.method === 'POST')).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  it('sends a POST again when the reset came before its body was all written', async () => {
    const s = await closesIdleSockets();
    try {
      const client = new HttpClient({ baseUrl: s.url, ...opts });
      await client.request({ method: 'GET', path: '/a', schema: ok });
      // Larger than what loopback's socket buffers take at once: still being written when the reset comes.
      const big = 'x'.repeat(32 * 1024 * 1024);
      expect(await client.request({ method: 'POST', path: '/b', body: { big }, schema: ok })).toEqual({ ok: true });
      const posts = s.seen.filter((r) => r.method === 'POST');
      expect(posts.map((r) => [r.connection, r.answered])).toEqual([
        [1, false],
        [2, true],
      ]);
      expect(posts[0]!.bodyBytes).toBeLessThan(posts[1]!.bodyBytes);
    } finally {
      await s.close();
    }
  });

  it('never resends on a socket of its own (a new connection reset is an error, as before)', async () => {
    const server = createNetServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => socket.resetAndDestroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    let connections = 0;
    server.on('connection', () => {
      connections += 1;
    });
    try {
      const client = new HttpClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, ...opts });
      const err = await failure(client.request({ method: 'GET', path: '/a', schema: ok }));
      expect(err.code).toBe('ECONNRESET');
      expect(connections).toBe(1);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
