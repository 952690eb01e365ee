import { createdUser, tokenInfo, userInfo } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

let reg: TestRegistry;
beforeAll(async () => {
  reg = await startRegistry();
});
afterAll(() => reg?.close());

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('users and tokens', () => {
  it('lets the bootstrap admin create users, each with a first token shown once', async () => {
    const res = await request(reg.url)
      .post('/api/v1/users')
      .set(auth(reg.adminToken))
      .send({ handle: 'alice', display_name: 'Alice' });
    expect(res.status).toBe(201);
    const body = createdUser.parse(res.body);
    expect(body.user).toMatchObject({ handle: 'alice', role: 'user', display_name: 'Alice' });
    expect(body.token.token).toMatch(/^cws_[A-Za-z0-9]{40}$/);
    expect(body.token.scopes.sort()).toEqual(['publish', 'rate']);
    const me = await request(reg.url).get('/api/v1/me').set(auth(body.token.token));
    expect(userInfo.parse(me.body).handle).toBe('alice');
  });

  it('keeps only the SHA-256 of tokens at rest', async () => {
    const token = await createUser(reg, 'hash-check');
    const rows = await reg.database.db.selectFrom('api_tokens').select(['token_hash', 'prefix']).execute();
    expect(rows.some((r) => r.token_hash === token)).toBe(false);
    const { createHash } = await import('node:crypto');
    expect(rows.some((r) => r.token_hash === createHash('sha256').update(token).digest('hex'))).toBe(true);
  });

  it('refuses a duplicate handle (409), bad handles (400), non-admins (403) and anonymous callers (401)', async () => {
    const dup = await request(reg.url).post('/api/v1/users').set(auth(reg.adminToken)).send({ handle: 'alice' });
    expect(dup.status).toBe(409);
    const bad = await request(reg.url).post('/api/v1/users').set(auth(reg.adminToken)).send({ handle: 'Not Valid!' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(bad.body.error.details[0].path).toBe('body.handle');
    const extra = await request(reg.url)
      .post('/api/v1/users')
      .set(auth(reg.adminToken))
      .send({ handle: 'zed', admin: true });
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toMatch(/admin/);
    const userToken = await createUser(reg, 'mallory');
    const forbidden = await request(reg.url).post('/api/v1/users').set(auth(userToken)).send({ handle: 'eve' });
    expect(forbidden.status).toBe(403);
    const anon = await request(reg.url).post('/api/v1/users').send({ handle: 'eve' });
    expect(anon.status).toBe(401);
    const garbage = await request(reg.url).get('/api/v1/me').set('Authorization', 'Basic Zm9vOmJhcg==');
    expect(garbage.status).toBe(401);
    const unknown = await request(reg.url).get('/api/v1/me').set(auth('cws_not-a-real-token'));
    expect(unknown.status).toBe(401);
  });

  it('lets users create, list and revoke their own tokens; a revoked token stops working at once', async () => {
    const token = await createUser(reg, 'bob');
    const created = await request(reg.url)
      .post('/api/v1/tokens')
      .set(auth(token))
      .send({ name: 'laptop', scopes: ['rate'], expires_in_days: 30 });
    expect(created.status).toBe(201);
    expect(created.body.scopes).toEqual(['rate']);
    expect(created.body.expires_at).toBeTruthy();
    const second = created.body.token as string;
    expect((await request(reg.url).get('/api/v1/me').set(auth(second))).status).toBe(200);

    const list = await request(reg.url).get('/api/v1/tokens').set(auth(token));
    const tokens = list.body.map((t: unknown) => tokenInfo.parse(t));
    expect(tokens.map((t: { name: string }) => t.name)).toEqual(['initial', 'laptop']);
    expect(JSON.stringify(list.body)).not.toContain(second);

    const revoked = await request(reg.url).delete(`/api/v1/tokens/${created.body.id}`).set(auth(token));
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).toBeTruthy();
    expect((await request(reg.url).get('/api/v1/me').set(auth(second))).status).toBe(401);
    // Revoking again is harmless; someone else's token or a missing one is 404; a bad id is 400.
    expect((await request(reg.url).delete(`/api/v1/tokens/${created.body.id}`).set(auth(token))).status).toBe(200);
    const other = await createUser(reg, 'carol');
    expect((await request(reg.url).delete(`/api/v1/tokens/${created.body.id}`).set(auth(other))).status).toBe(404);
    expect((await request(reg.url).delete('/api/v1/tokens/abc').set(auth(token))).status).toBe(400);
  });

  it('never mints a token wider than the one asking, and enforces scopes', async () => {
    const token = await createUser(reg, 'dave');
    const rateOnly = (
      await request(reg.url)
        .post('/api/v1/tokens')
        .set(auth(token))
        .send({ name: 'r', scopes: ['rate'] })
    ).body.token;
    const wider = await request(reg.url)
      .post('/api/v1/tokens')
      .set(auth(rateOnly))
      .send({ name: 'x', scopes: ['publish'] });
    expect(wider.status).toBe(403);
    const admin = await request(reg.url)
      .post('/api/v1/tokens')
      .set(auth(token))
      .send({ name: 'x', scopes: ['admin'] });
    expect(admin.status).toBe(403);
    const publish = await request(reg.url)
      .post('/api/v1/listings')
      .set(auth(rateOnly))
      .send({
        name: 'x',
        template: 'python-ml',
        version: { version: '1', regions: [{ region: 'us-east-1', ami_id: 'ami-12345678' }] },
      });
    expect(publish.status).toBe(403);
    expect(publish.body.error.message).toMatch(/publish/);
  });

  it('refuses expired tokens', async () => {
    const token = await createUser(reg, 'erin');
    const created = (
      await request(reg.url).post('/api/v1/tokens').set(auth(token)).send({ name: 'short', expires_in_days: 1 })
    ).body;
    await reg.database.db
      .updateTable('api_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', Number(created.id))
      .execute();
    await reg.server.ctx.cache.invalidate('test');
    expect((await request(reg.url).get('/api/v1/me').set(auth(created.token))).status).toBe(401);
  });

  it('never mints a token that outlives the one asking', async () => {
    const root = await createUser(reg, 'outlive');
    const mint = (token: string, body: object) =>
      request(reg.url)
        .post('/api/v1/tokens')
        .set(auth(token))
        .send({ name: 'child', ...body });
    // A parent without expiry allows any expiry, and none.
    const forever = await mint(root, {});
    expect(forever.status).toBe(201);
    expect(forever.body.expires_at).toBeNull();
    const day = await mint(root, { expires_in_days: 1 });
    expect(day.status).toBe(201);
    const dayExpires = Date.parse(day.body.expires_at);
    expect(Math.abs(dayExpires - (Date.now() + 86_400_000))).toBeLessThan(60_000);
    // Under a 1-day parent: "never" and "10 years" both get the parent's expiry, a shorter one stays.
    const never = await mint(day.body.token, {});
    expect(never.status).toBe(201);
    expect(Date.parse(never.body.expires_at)).toBe(dayExpires);
    const long = await mint(day.body.token, { expires_in_days: 3650 });
    expect(Date.parse(long.body.expires_at)).toBe(dayExpires);
    // A grandchild is capped too, and the stored row (not just the answer) says so.
    const grand = await mint(long.body.token, {});
    expect(Date.parse(grand.body.expires_at)).toBe(dayExpires);
    const row = await reg.database.db
      .selectFrom('api_tokens')
      .select('expires_at')
      .where('id', '=', Number(grand.body.id))
      .executeTakeFirstOrThrow();
    expect(new Date(row.expires_at!).getTime()).toBe(dayExpires);
    // A shorter expiry than the parent's is kept as asked.
    await reg.database.db
      .updateTable('api_tokens')
      .set({ expires_at: new Date(Date.now() + 3 * 86_400_000) })
      .where('id', '=', Number(day.body.id))
      .execute();
    await reg.server.ctx.cache.invalidate('test');
    const shorter = await mint(day.body.token, { expires_in_days: 1 });
    expect(Math.abs(Date.parse(shorter.body.expires_at) - (Date.now() + 86_400_000))).toBeLessThan(60_000);
  });

  it('records when a token was last used', async () => {
    const token = await createUser(reg, 'frank');
    await request(reg.url).get('/api/v1/me').set(auth(token));
    await reg.server.ctx.services.auth.flushUsage();
    const list = await request(reg.url).get('/api/v1/tokens').set(auth(token));
    expect(list.body[0].last_used_at).toBeTruthy();
  });
});
