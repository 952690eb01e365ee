import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, fakeAmi, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { signIn } from '../web/sign-in.js';

// CWS_REGISTRY_READ=signed-in: every read needs a token or a session.
let reg: TestRegistry;
let token: string;
const ami = fakeAmi();

beforeAll(async () => {
  reg = await startRegistry({ config: { access: { read: 'signed-in' } } });
  token = await createUser(reg, 'reader');
  await publish(reg, token, {
    ...publishBody('campus-r', { template: 'rstudio' }),
    version: { version: '1', regions: [{ region: 'us-east-1', architecture: 'x86_64', ami_id: ami }] },
  });
});
afterAll(() => reg?.close());

describe('CWS_REGISTRY_READ=signed-in', () => {
  const reads = [
    '/api/v1/listings',
    '/api/v1/listings/reader/campus-r',
    '/api/v1/listings/reader/campus-r/ratings',
    '/api/v1/resolve/rstudio?region=us-east-1',
    '/api/v1/community/amis',
  ];

  it('answers 401 to anonymous API reads and serves them with a token', async () => {
    for (const path of reads) {
      const anon = await request(reg.url).get(path);
      expect(anon.status, path).toBe(401);
      expect(anon.body.error.code).toBe('unauthorized');
      expect(anon.body.error.message).toMatch(/sign-in/);
      const signed = await request(reg.url).get(path).set('Authorization', `Bearer ${token}`);
      expect(signed.status, path).toBe(200);
    }
    const resolved = await request(reg.url)
      .get('/api/v1/resolve/rstudio?region=us-east-1')
      .set('Authorization', `Bearer ${token}`);
    expect(resolved.body.ami_id).toBe(ami);
  });

  it('keeps health, metrics, the API index, OpenAPI and the ways to sign in open', async () => {
    for (const path of ['/healthz', '/metrics', '/api/v1', '/api/v1/openapi.json', '/api/v1/auth/aws', '/login']) {
      expect((await request(reg.url).get(path)).status, path).toBe(200);
    }
    // The device sign-in of cws login --sso starts without a token.
    const device = await request(reg.url).post('/api/v1/device/code').send({});
    expect(device.status).not.toBe(401);
  });

  it('shows anonymous visitors the sign-in page (401) and signed-in ones the catalogue', async () => {
    for (const path of ['/', '/l/reader/campus-r', '/my/listings', '/no/such/page']) {
      const page = await request(reg.url).get(path);
      expect(page.status, path).toBe(401);
      expect(page.text).toContain('id="sign-in-required"');
      expect(page.text).not.toContain('campus-r');
    }
    const { cookie } = await signIn(reg, token);
    const home = await request(reg.url).get('/').set('Cookie', cookie);
    expect(home.status).toBe(200);
    expect(home.text).toContain('campus-r');
    expect((await request(reg.url).get('/l/reader/campus-r').set('Cookie', cookie)).status).toBe(200);
  });
});
