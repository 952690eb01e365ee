import { gzipSync } from 'node:zlib';
import { buildConfig } from '@cws/registry-server';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

interface Param {
  name: string;
  in: 'path' | 'query';
}
interface Operation {
  parameters?: Param[];
  requestBody?: { content: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
}

const cursor = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const BAD_VALUES = [
  '',
  '%00',
  'a%00b',
  '%E6%97%A5%E6%9C%AC%E8%AA%9E',
  '--',
  '%27%20OR%201%3D1%20--',
  '..%2F..%2Fetc',
  'x'.repeat(3000),
  '-1',
  '0',
  '99999999999999999999999',
  '1e309',
  'NaN',
  'true',
  '%F0%9F%92%A9',
  '%E0%A4%A',
  '%ZZ',
  cursor({ id: 1e300, value: 'x' }),
  cursor({ id: 1, value: 'not a date' }),
  cursor({ offset: -5 }),
  cursor([1, 2, 3]),
  cursor('a\u0000b'),
  'not-base64!!',
];
const BAD_FIELD_VALUES: unknown[] = [null, [], {}, -1, 1e308, 'a\u0000b', 'x'.repeat(20_000), [[[[]]]]];

/**
 * Every route of the OpenAPI document, with malformed path parameters, query parameters and
 * bodies, as an admin (so requests get past authorisation to validation). No answer may be a 5xx,
 * and nothing may be written.
 */
describe('a malformed-input battery over every route in the OpenAPI document', () => {
  let reg: TestRegistry;
  let alice: string;
  let counts: Record<string, number>;
  const fiveHundreds: string[] = [];
  let tried = 0;

  async function rowCounts(): Promise<Record<string, number>> {
    const db = reg.database.db;
    const tables = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'kysely_%'`.execute(
      db,
    );
    const out: Record<string, number> = {};
    for (const { name } of tables.rows) {
      const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(name)}`.execute(db);
      out[name] = r.rows[0]!.n;
    }
    return out;
  }

  beforeAll(async () => {
    // No periodic passes: the verification pass queues a job a minute after start, which on a loaded machine
    // falls inside the battery and would read as a write made by a malformed request.
    reg = await startRegistry({ config: { aws: { ...buildConfig({}).aws, verify: false, verifyIntervalSeconds: 0 } } });
    alice = await createUser(reg, 'alice');
    await publish(reg, alice, publishBody('jp', { description: '日本語 のテスト image' }));
    await new Promise((r) => setTimeout(r, 2500)); // let buffered counters and background work settle
    counts = await rowCounts();
  });
  afterAll(async () => {
    console.log(`malformed requests tried: ${tried}; 5xx answers: ${fiveHundreds.length}`);
    await reg?.close();
  });

  const accepted: string[] = [];
  async function send(method: string, path: string, init: { body?: string | Blob; headers?: Record<string, string> }) {
    tried += 1;
    let status: number;
    try {
      const res = await fetch(`${reg.url}${path}`, {
        method: method.toUpperCase(),
        headers: { authorization: `Bearer ${reg.adminToken}`, ...init.headers },
        body: init.body,
      });
      await res.arrayBuffer();
      status = res.status;
      if (method !== 'get' && status < 300)
        accepted.push(`${status} ${method} ${path} ${String(init.body).slice(0, 60)}`);
    } catch (err) {
      status = 599;
      void err;
    }
    if (status >= 500) fiveHundreds.push(`${status} ${method.toUpperCase()} ${path.slice(0, 120)}`);
  }

  it('never answers 5xx and writes nothing', async () => {
    const doc = (await (await fetch(`${reg.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, Operation>>;
    };
    const good: Record<string, string> = {
      owner: 'alice',
      name: 'jp',
      version: '1.0.0',
      template: 'python-ml',
      channel: 'stable',
      id: '999999',
      ami_id: 'ami-0123456789abcdef0',
      org: 'alice',
      handle: 'alice',
    };
    const jobs: Array<() => Promise<void>> = [];
    for (const [template, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const params = op.parameters ?? [];
        const pathParams = params.filter((p) => p.in === 'path').map((p) => p.name);
        const queryParams = params.filter((p) => p.in === 'query').map((p) => p.name);
        const fill = (over: Record<string, string>) =>
          template.replace(/\{([a-z_]+)\}/g, (_, n: string) => over[n] ?? good[n] ?? 'x');
        // One path parameter bad at a time.
        for (const p of pathParams) {
          for (const v of BAD_VALUES) if (v !== '') jobs.push(() => send(method, fill({ [p]: v }), {}));
        }
        // Writes with good path parameters would be real writes: only malformed bodies go to them.
        const isRead = method === 'get';
        if (isRead) {
          for (const q of queryParams) {
            for (const v of BAD_VALUES) jobs.push(() => send(method, `${fill({})}?${q}=${v}`, {}));
            jobs.push(() => send(method, `${fill({})}?${q}=1&${q}=2`, {}));
            jobs.push(() => send(method, `${fill({})}?${q}[a]=1`, {}));
          }
          jobs.push(() => send(method, `${fill({})}?unknown_param=1`, {}));
        }
        // Bodies: not JSON, wrong shapes, too deep, NUL, wrong types field by field, lying encodings.
        if (!isRead) {
          const json = { 'content-type': 'application/json' };
          const raw = [
            'not json',
            '{',
            '[]',
            'null',
            '"str"',
            '123',
            '['.repeat(200) + ']'.repeat(200),
            '{"a":'.repeat(100) + '1' + '}'.repeat(100),
            '{"x":"\\u0000"}',
          ];
          // A route without a body ignores a well-formed one: only unparseable bodies are malformed there.
          const takesBody = op.requestBody !== undefined;
          for (const b of raw) {
            if (takesBody || !/^(\[\]|null|"str"|123|\{"x".*|\{"__proto__".*)$/.test(b))
              jobs.push(() => send(method, fill({}), { body: b, headers: json }));
          }
          jobs.push(() =>
            send(method, fill({}), { body: '{"a":1}', headers: { ...json, 'content-encoding': 'gzip' } }),
          );
          jobs.push(() =>
            send(method, fill({}), {
              body: new Blob([gzipSync('{"a":1}').subarray(0, 8)]),
              headers: { ...json, 'content-encoding': 'gzip' },
            }),
          );
          jobs.push(() => send(method, fill({}), { body: 'x', headers: { ...json, 'content-encoding': 'br' } }));
          if (takesBody)
            jobs.push(() => send(method, fill({}), { body: 'a=1', headers: { 'content-type': 'text/plain' } }));
          if (takesBody)
            jobs.push(() =>
              send(method, fill({}), { body: '[[[[[[[[[[[[', headers: { 'content-type': 'application/yaml' } }),
            );
          if (takesBody)
            jobs.push(() =>
              send(method, fill({}), {
                body: `${'- '.repeat(5000)}x`,
                headers: { 'content-type': 'application/yaml' },
              }),
            );
          const props = Object.keys(op.requestBody?.content?.['application/json']?.schema?.properties ?? {});
          for (const prop of props) {
            for (const v of BAD_FIELD_VALUES) {
              jobs.push(() => send(method, fill({}), { body: JSON.stringify({ [prop]: v }), headers: json }));
            }
          }
        }
        // A made-up token.
        jobs.push(async () => {
          tried += 1;
          const res = await fetch(`${reg.url}${fill({})}`, {
            method: method.toUpperCase(),
            headers: { authorization: 'Bearer cws_made_up\u00e9' },
          }).catch(() => null);
          await res?.arrayBuffer();
          if (!res || res.status >= 500) fiveHundreds.push(`token ${method} ${template}`);
        });
      }
    }
    // The web pages' free-text and paging parameters.
    for (const v of BAD_VALUES) {
      jobs.push(() => send('get', `/?q=${v}`, {}));
      jobs.push(() => send('get', `/?cursor=${v}`, {}));
      jobs.push(() => send('get', `/listings/alice/jp?cursor=${v}`, {}));
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < jobs.length) await jobs[next++]!();
      }),
    );
    expect(tried).toBeGreaterThan(1000);
    expect(fiveHundreds).toEqual([]);
    expect(accepted).toEqual([]);
    await new Promise((r) => setTimeout(r, 2500));
    expect(await rowCounts()).toEqual(counts);
  });

  it('finds listings by words in any script, and treats punctuation-only queries as no query', async () => {
    await publish(reg, alice, publishBody('greek', { description: 'Ελληνικά δεδομένα for research' }));
    await publish(reg, alice, publishBody('jp2', { description: '日本語 日本語 のテスト' }));
    const jp = (await (await fetch(`${reg.url}/api/v1/listings?q=${encodeURIComponent('日本語')}`)).json()) as {
      items: Array<{ name: string }>;
    };
    // Both Japanese listings match; the one that says it twice ranks first.
    expect(jp.items.map((i) => i.name)).toEqual(['jp2', 'jp']);
    const gr = (await (await fetch(`${reg.url}/api/v1/listings?q=${encodeURIComponent('ΕΛΛΗΝΙΚΆ')}`)).json()) as {
      items: Array<{ name: string }>;
    };
    expect(gr.items.map((i) => i.name)).toEqual(['greek']);
    const dashes = await fetch(`${reg.url}/api/v1/listings?q=--`);
    expect(dashes.status).toBe(200);
    expect(((await dashes.json()) as { items: unknown[] }).items.length).toBe(3);
    const page = await fetch(`${reg.url}/?q=${encodeURIComponent('日本語')}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('jp2');
  });
});
