import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { hidden, signIn } from '../web/sign-in.js';

describe('device sign-in (RFC 8628 shape) and token revocation', () => {
  let reg: TestRegistry;
  let browser: { cookie: string; csrf: string };

  beforeAll(async () => {
    reg = await startRegistry();
    browser = await signIn(reg, await createUser(reg, 'dana'));
  });
  afterAll(async () => {
    await reg?.close();
  });

  const start = async () => {
    const res = await request(reg.url).post('/api/v1/device/code').send({ client_name: 'cws on test-box' });
    expect(res.status).toBe(201);
    return res.body as {
      device_code: string;
      user_code: string;
      verification_uri: string;
      verification_uri_complete: string;
      interval: number;
      expires_in: number;
    };
  };
  const poll = (deviceCode: string) => request(reg.url).post('/api/v1/device/token').send({ device_code: deviceCode });
  const decide = async (userCode: string, decision: 'approve' | 'deny') => {
    const page = await request(reg.url).get(`/device?code=${userCode}`).set('Cookie', browser.cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain('cws on test-box');
    return submit(page.text, browser.cookie, decision);
  };
  /** Posts the approval page's form (its CSRF token and code) with this session's cookie. */
  const submit = (pageText: string, cookie: string, decision: 'approve' | 'deny') =>
    request(reg.url)
      .post('/device')
      .set('Cookie', cookie)
      .type('form')
      .send({ csrf: hidden(pageText, 'csrf'), code: hidden(pageText, 'code'), decision });

  it('issues codes, says pending then slow_down, and gives the approver a token exactly once', async () => {
    const code = await start();
    expect(code.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(code.verification_uri).toBe(`${reg.url}/device`);
    expect(code.verification_uri_complete).toBe(`${reg.url}/device?code=${code.user_code}`);
    expect(code).toMatchObject({ interval: 5, expires_in: 600 });

    const pending = await poll(code.device_code);
    expect(pending.status).toBe(400);
    expect(pending.body.error.code).toBe('authorization_pending');
    const tooFast = await poll(code.device_code);
    expect(tooFast.body.error.code).toBe('slow_down');

    // Only hashes are stored.
    const rows = await reg.database.db.selectFrom('device_authorizations').selectAll().execute();
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(code.device_code);
    expect(stored).not.toContain(code.user_code.replace('-', ''));

    const approved = await decide(code.user_code.toLowerCase(), 'approve');
    expect(approved.status).toBe(200);
    expect(approved.text).toContain('Terminal signed in');

    const done = await poll(code.device_code);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ token_type: 'bearer', handle: 'dana', scopes: ['rate', 'publish'] });
    const me = await request(reg.url).get('/api/v1/me').set('Authorization', `Bearer ${done.body.access_token}`);
    expect(me.body.handle).toBe('dana');

    const again = await poll(code.device_code);
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('expired_token');
    // The user code is spent too.
    const reuse = await request(reg.url).get(`/device?code=${code.user_code}`).set('Cookie', browser.cookie);
    expect(reuse.status).toBe(410);

    // cws logout: the token revokes itself and stops working at once.
    const out = await request(reg.url)
      .delete('/api/v1/me/token')
      .set('Authorization', `Bearer ${done.body.access_token}`);
    expect(out.status).toBe(200);
    expect(out.body.revoked_at).not.toBeNull();
    const after = await request(reg.url).get('/api/v1/me').set('Authorization', `Bearer ${done.body.access_token}`);
    expect(after.status).toBe(401);
  });

  it('says access_denied after a denial, and expired_token after the code expires', async () => {
    const denied = await start();
    expect((await decide(denied.user_code, 'deny')).text).toContain('Sign-in denied');
    expect((await poll(denied.device_code)).body.error.code).toBe('access_denied');

    const late = await start();
    await reg.database.db
      .updateTable('device_authorizations')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('client_name', '=', 'cws on test-box')
      .where('approved_at', 'is', null)
      .where('denied_at', 'is', null)
      .execute();
    expect((await poll(late.device_code)).body.error.code).toBe('expired_token');
    const page = await request(reg.url).get(`/device?code=${late.user_code}`).set('Cookie', browser.cookie);
    expect(page.status).toBe(410);
    expect(page.text).toContain('has expired');
  });

  it("bounds what an approval gives by the approving session's token, as the account page does", async () => {
    // A session from a rate-only, 7-day token (cws web login) may give a terminal only rate, for no longer.
    const dana = await createUser(reg, 'dana-rate');
    const made = await request(reg.url)
      .post('/api/v1/tokens')
      .set('Authorization', `Bearer ${dana}`)
      .send({ name: 'rate only', scopes: ['rate'], expires_in_days: 7 });
    expect(made.status).toBe(201);
    const rateOnly = await signIn(reg, made.body.token);
    const code = await start();
    const page = await request(reg.url).get(`/device?code=${code.user_code}`).set('Cookie', rateOnly.cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<span id="device-scopes">rate</span>');
    expect(page.text).toContain('no longer than the token you signed in here with');
    const approved = await submit(page.text, rateOnly.cookie, 'approve');
    expect(approved.status).toBe(200);
    const done = await poll(code.device_code);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ handle: 'dana-rate', scopes: ['rate'] });
    expect(done.body.expires_at).toBe(made.body.expires_at);
    const publish = await request(reg.url)
      .post('/api/v1/listings')
      .set('Authorization', `Bearer ${done.body.access_token}`)
      .send(publishBody('rate-only-cannot-publish'));
    expect(publish.status).toBe(403);
    expect(publish.body.error.message).toContain('publish');

    // The token behind the session revoked between approval and poll: the terminal gets nothing.
    const second = await start();
    const page2 = await request(reg.url).get(`/device?code=${second.user_code}`).set('Cookie', rateOnly.cookie);
    const approved2 = await submit(page2.text, rateOnly.cookie, 'approve');
    expect(approved2.status).toBe(200);
    await reg.database.db
      .updateTable('api_tokens')
      .set({ revoked_at: new Date() })
      .where('id', '=', Number(made.body.id))
      .execute();
    const refused = await poll(second.device_code);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('access_denied');
    expect(refused.body.error.message).toContain('revoked or expired');
    // Only the first approval minted a token.
    const minted = await reg.database.db
      .selectFrom('api_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select('t.id')
      .where('u.handle', '=', 'dana-rate')
      .where('t.name', 'like', 'cws login --sso%')
      .execute();
    expect(minted.map((t) => String(t.id))).toEqual([done.body.token_id]);

    // A session whose token has neither rate nor publish cannot approve at all.
    const adminOnly = await request(reg.url)
      .post('/api/v1/tokens')
      .set('Authorization', `Bearer ${reg.adminToken}`)
      .send({ name: 'admin only', scopes: ['admin'] });
    expect(adminOnly.status).toBe(201);
    const admin = await signIn(reg, adminOnly.body.token);
    const third = await start();
    const page3 = await request(reg.url).get(`/device?code=${third.user_code}`).set('Cookie', admin.cookie);
    expect(page3.status).toBe(403);
    expect(page3.text).toContain('cannot sign in a terminal');
    const forced = await request(reg.url)
      .post('/device')
      .set('Cookie', admin.cookie)
      .type('form')
      .send({ csrf: admin.csrf, code: third.user_code, decision: 'approve' });
    expect(forced.status).toBe(403);
    expect((await poll(third.device_code)).body.error.code).toBe('authorization_pending');
  });

  it('asks an anonymous visitor to sign in first, refuses approvals without the CSRF token, and rejects bad input', async () => {
    const code = await start();
    const anonymous = await request(reg.url).get(`/device?code=${code.user_code}`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.text).toContain('Sign in to approve a terminal');
    const forged = await request(reg.url)
      .post('/device')
      .set('Cookie', browser.cookie)
      .type('form')
      .send({ code: code.user_code, decision: 'approve' });
    expect(forged.status).toBe(403);
    expect((await poll(code.device_code)).body.error.code).toBe('authorization_pending');

    const unknown = await request(reg.url).get('/device?code=BBBB-BBBB').set('Cookie', browser.cookie);
    expect(unknown.status).toBe(404);
    const badBody = await request(reg.url).post('/api/v1/device/token').send({ device_code: 'x' });
    expect(badBody.status).toBe(400);
    expect(badBody.body.error.code).toBe('validation_failed');
    const badName = await request(reg.url).post('/api/v1/device/code').send({ client_name: '<script>' });
    expect(badName.status).toBe(400);
    const nobody = await request(reg.url)
      .post('/api/v1/device/token')
      .send({ device_code: 'A'.repeat(43) });
    expect(nobody.status).toBe(404);
    const noToken = await request(reg.url).delete('/api/v1/me/token');
    expect(noToken.status).toBe(401);
  });
});
