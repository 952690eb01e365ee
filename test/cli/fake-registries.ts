import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Tiny node:http servers that stand in for a broken third-party registry: down, slow, failing, garbage, rate
 * limited. They count requests so tests can check retries.
 */
export interface FakeRegistry {
  url: string;
  hits: { method: string; url: string }[];
  close(): Promise<void>;
}

export async function startFake(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<FakeRegistry> {
  const hits: FakeRegistry['hits'] = [];
  const server: Server = createServer((req, res) => {
    hits.push({ method: req.method ?? 'GET', url: req.url ?? '' });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL where nothing listens: a port that was bound, then released. */
export async function downUrl(): Promise<string> {
  const fake = await startFake(() => {});
  await fake.close();
  return fake.url;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** Accepts the connection and never answers. */
export const slowRegistry = () => startFake(() => {});

export const failingRegistry = () =>
  startFake((_req, res) => json(res, 500, { error: { code: 'internal', message: 'database on fire' } }));

/** 200 with an HTML page where JSON should be. */
export const garbageRegistry = () =>
  startFake((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><body>Welcome to nginx!</body></html>');
  });

/** 200 with JSON of the wrong shape. */
export const wrongShapeRegistry = () => startFake((_req, res) => json(res, 200, { ami: 'ami-12345678', ok: true }));

export const rateLimitedRegistry = (retryAfterSeconds = 1) =>
  startFake((_req, res) =>
    json(
      res,
      429,
      { error: { code: 'rate_limited', message: 'slow down' } },
      { 'retry-after': String(retryAfterSeconds) },
    ),
  );

/**
 * A mirror in front of a real registry: forwards every request (headers and body) while `down` is false; answers
 * 503 once it is set, as a registry that went away would.
 */
export async function mirrorRegistry(target: string): Promise<FakeRegistry & { down: boolean }> {
  const switch_ = { down: false };
  const fake = await startFake((req, res) => {
    if (switch_.down) return json(res, 503, { error: { code: 'unavailable', message: 'mirror is down' } });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const skip = ['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive'];
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && !skip.includes(k)),
        ) as Record<string, string>;
        const body = chunks.length ? Buffer.concat(chunks) : undefined;
        const up = await fetch(`${target}${req.url}`, { method: req.method, headers, body });
        res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
        res.end(Buffer.from(await up.arrayBuffer()));
      } catch (err) {
        json(res, 502, { error: { code: 'bad_gateway', message: (err as Error).message } });
      }
    });
  });
  return {
    url: fake.url,
    hits: fake.hits,
    close: fake.close,
    get down() {
      return switch_.down;
    },
    set down(v: boolean) {
      switch_.down = v;
    },
  };
}
