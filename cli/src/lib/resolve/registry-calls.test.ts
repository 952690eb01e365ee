import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { contracts, RegistryClient } from '@cws/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResolveCalls } from './registry-calls.js';

// A registry on loopback that records each request and answers with what the test sets.
const seen: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] = [];
let answer = { status: 200, body: '{}' };
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => {
    body += c;
  });
  req.on('end', () => {
    seen.push({ method: req.method, url: req.url, headers: req.headers, body });
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
});
let baseUrl = '';
beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
});

/** What each client sends and what it makes of the answer. */
async function both(call: (c: Pick<RegistryClient, 'resolve' | 'amiStatus'>) => Promise<unknown>) {
  const opts = { baseUrl, token: 'tok', userAgent: 'cws-test', timeoutMs: 2000, retries: 0 };
  const out = [];
  for (const client of [new RegistryClient(opts), new ResolveCalls(opts)]) {
    seen.length = 0;
    const result = await call(client).then(
      (value) => ({ value }),
      (err: Error & { code?: string; status?: number }) => ({ error: [err.name, err.code, err.status, err.message] }),
    );
    const { date: _d, ...headers } = seen[0]?.headers ?? {};
    out.push({ request: { ...seen[0], headers }, result });
  }
  return out;
}

describe('ResolveCalls', () => {
  it('uses the paths, methods and answer schemas of the resolve and amiStatus contracts', () => {
    expect([contracts.resolve.method, contracts.resolve.path]).toEqual(['get', '/resolve/{template}']);
    expect([contracts.amiStatus.method, contracts.amiStatus.path]).toEqual(['post', '/amis/status']);
  });

  it('sends the request RegistryClient sends for resolve, and reads the answer the same way', async () => {
    answer = { status: 200, body: '{"ami_id":"not an answer"}' };
    const [full, lean] = await both((c) =>
      c.resolve('python ml/x', {
        region: 'us-east-1',
        architecture: 'arm64',
        min_rating: 4,
        verified_only: true,
        count: false,
      }),
    );
    expect(full?.request.url).toContain('/api/v1/resolve/python%20ml%2Fx?');
    expect(full?.result).toHaveProperty('error');
    expect(lean).toEqual(full);
  });

  it('sends the request RegistryClient sends for amiStatus, and reads the answer the same way', async () => {
    answer = { status: 200, body: '{"items":[]}' };
    const [full, lean] = await both((c) => c.amiStatus(['ami-0123456789abcdef0']));
    expect(full?.request).toMatchObject({ method: 'POST', url: '/api/v1/amis/status' });
    expect(full?.result).toEqual({ value: { items: [] } });
    expect(lean).toEqual(full);
  });

  it('reports a registry error as RegistryClient does', async () => {
    answer = { status: 404, body: '{"error":{"code":"no_match","message":"nothing for python-ml"}}' };
    const [full, lean] = await both((c) => c.resolve('python-ml', { region: 'us-east-1' }));
    expect(full?.result).toEqual({ error: ['RegistryError', 'no_match', 404, 'nothing for python-ml'] });
    expect(lean).toEqual(full);
  });
});
