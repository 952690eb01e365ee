import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

let reg: TestRegistry;
beforeAll(async () => {
  reg = await startRegistry({
    config: { http: { host: '127.0.0.1', port: 0, publicUrl: null, bodyLimit: '2kb', trustProxy: false } },
  });
});
afterAll(() => reg?.close());

describe('health, metrics and OpenAPI', () => {
  it('answers /healthz and /readyz with the database checked', async () => {
    expect((await request(reg.url).get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await request(reg.url).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    expect(ready.body.database).toBe('ok');
  });

  it('exposes Prometheus metrics by route, cache and database', async () => {
    await request(reg.url).get('/api/v1/community/amis');
    await request(reg.url).get('/api/v1/community/amis');
    const res = await request(reg.url).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(
      /cws_registry_http_requests_total\{method="GET",route="\/api\/v1\/community\/amis",status="200"\} 2/,
    );
    expect(res.text).toContain('cws_registry_http_request_duration_seconds_bucket');
    expect(res.text).toMatch(/cws_registry_cache_requests_total\{tier="local",result="hit"\} [1-9]/);
    expect(res.text).toMatch(/cws_registry_db_query_duration_seconds_count [1-9]/);
    expect(res.text).toContain('cws_registry_db_pool_size');
  });

  it('serves an OpenAPI 3.1 document covering every route, generated from the shared schemas', async () => {
    const res = await request(reg.url).get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const paths = Object.keys(res.body.paths);
    for (const p of [
      '/api/v1/community/amis',
      '/api/v1/community/amis/{ami_id}/rate',
      '/api/v1/listings',
      '/api/v1/listings/{owner}/{name}',
      '/api/v1/listings/{owner}/{name}/versions',
      '/api/v1/listings/{owner}/{name}/versions/{version}/revoke',
      '/api/v1/resolve/{template}',
      '/api/v1/tokens/{id}',
      '/api/v1/admin/import',
    ]) {
      expect(paths).toContain(p);
    }
    const resolve = res.body.paths['/api/v1/resolve/{template}'].get;
    const region = resolve.parameters.find((p: { name: string }) => p.name === 'region');
    expect(region).toMatchObject({ in: 'query', required: true });
    expect(region.schema.pattern).toBeTruthy();
    const rate = res.body.paths['/api/v1/community/amis/{ami_id}/rate'].post;
    const body = rate.requestBody.content['application/json'].schema;
    expect(body.properties.rating).toMatchObject({ type: 'integer', minimum: 1, maximum: 5 });
    expect(body.additionalProperties).toBe(false);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await request(reg.url).get('/api/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('refuses bodies over the limit with 413, malformed JSON with 400 and other media types with 415', async () => {
    const big = await request(reg.url)
      .post('/api/v1/listings')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ description: 'x'.repeat(5000) }));
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('payload_too_large');

    const bad = await request(reg.url)
      .post('/api/v1/listings')
      .set('Content-Type', 'application/json')
      .send('{"name": ');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('bad_request');

    const user = await request(reg.url)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${reg.adminToken}`)
      .set('Content-Type', 'text/plain')
      .send('handle=x');
    expect(user.status).toBe(415);
    expect(user.body.error.code).toBe('unsupported_media_type');
  });

  it('never answers a malformed URL with a 500', async () => {
    const res = await request(reg.url).get('/api/v1/listings/%E0%A4%A/x');
    expect(res.status).toBe(400);
  });
});
