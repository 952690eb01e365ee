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
