import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { acceptInvitation, byId, cookieFrom, hidden, signIn } from '../web/sign-in.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A registry with no admin (no CWS_REGISTRY_ADMIN_TOKEN), as on a first start. */
let empty: TestRegistry;
/** A registry whose admin comes from CWS_REGISTRY_ADMIN_TOKEN. */
let reg: TestRegistry;
let userToken: string;

beforeAll(async () => {
  empty = await startRegistry({ config: { adminToken: null } });
  reg = await startRegistry();
  userToken = await createUser(reg, 'uma');
});
afterAll(async () => {
  await empty?.close();
  await reg?.close();
});

async function invite(body: Record<string, unknown> = {}, token = reg.adminToken) {
  return request(reg.url).post('/api/v1/invitations').set('Authorization', `Bearer ${token}`).send(body);
}

describe('first-run link', () => {
  it('exists only while there is no admin, works once, and makes the first admin', async () => {
    expect(await reg.server.ctx.services.invitations.firstRun()).toBeNull();
    const first = await empty.server.ctx.services.invitations.firstRun();
    const second = await empty.server.ctx.services.invitations.firstRun();
    expect(first).not.toBeNull();
    expect(first!.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(60 * 60_000);
    // Stored as its SHA-256 only.
    const rows = await empty.database.db.selectFrom('invitations').selectAll().execute();
    expect(rows.map((r) => r.code_hash)).toContain(sha256(first!.code));
    expect(JSON.stringify(rows)).not.toContain(first!.code);

    const link = `${empty.url}/invite/${first!.code}`;
    const page = await request(empty.url).get(`/invite/${first!.code}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Become the first admin');
    const admin = await acceptInvitation(link, 'founder');
    const me = await empty.database.db
      .selectFrom('users')
      .selectAll()
      .where('handle', '=', 'founder')
      .executeTakeFirstOrThrow();
    expect(me.role).toBe('admin');
    // The admin's session can invite (the invitations page answers), and a used link is refused.
    expect((await request(empty.url).get('/account/invitations').set('Cookie', admin.cookie)).status).toBe(200);
    const used = await request(empty.url).get(`/invite/${first!.code}`);
    expect(used.status).toBe(410);
    expect(used.text).toContain('used already');
    // A second link printed before the admin existed dies with the first admin.
    expect((await request(empty.url).get(`/invite/${second!.code}`)).status).toBe(410);
    expect(await empty.server.ctx.services.invitations.firstRun()).toBeNull();
    const audit = await empty.database.db.selectFrom('audit_log').select('action').execute();
    expect(audit.map((a) => a.action)).toContain('user.first_admin');
  });
});

describe('invitations API', () => {
  it('is for registry admins: anonymous 401, a user token 403', async () => {
    expect((await request(reg.url).post('/api/v1/invitations').send({})).status).toBe(401);
    const refused = await invite({}, userToken);
    expect(refused.status).toBe(403);
    expect((await request(reg.url).get('/api/v1/invitations').set('Authorization', `Bearer ${userToken}`)).status).toBe(
      403,
    );
  });

  it('validates its body', async () => {
    const bad = await invite({ role: 'owner', expires_in_days: 99 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });

  it('makes a single-use link that creates the account with its role, then lists it as used', async () => {
    const created = await invite({ role: 'maintainer', note: 'Mia from the lab' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'invite', role: 'maintainer', state: 'pending', created_by: 'admin' });
    const code = (created.body.url as string).split('/invite/')[1]!;
    expect(created.body.url).toBe(`${reg.url}/invite/${code}`);
    const row = await reg.database.db
      .selectFrom('invitations')
      .selectAll()
      .where('id', '=', Number(created.body.id))
      .executeTakeFirstOrThrow();
    expect(row.code_hash).toBe(sha256(code));

    const page = await request(reg.url).get(`/invite/${code}`);
    expect(page.text).toContain('<strong>admin</strong> invited you');
    // A taken handle is refused on the form and leaves the link usable.
    const nonce = cookieFrom(page, 'cws_invite');
    const taken = await request(reg.url)
      .post('/invite')
      .set('Cookie', `cws_invite=${nonce}`)
      .type('form')
      .send({ code: hidden(page.text, 'code'), nonce: hidden(page.text, 'nonce'), handle: 'uma' });
    expect(taken.status).toBe(409);
    expect(byId(taken.text, 'invite-error')).toContain('uma is taken');
    // No form nonce (a cross-site post): refused.
    const forged = await request(reg.url).post('/invite').type('form').send({ code, nonce: 'x', handle: 'mallory' });
    expect(forged.status).toBe(403);

    const mia = await acceptInvitation(created.body.url, 'mia', 'Mia');
    expect(mia.location).toBe('/account/tokens?welcome=1');
    const user = await reg.database.db
      .selectFrom('users')
      .selectAll()
      .where('handle', '=', 'mia')
      .executeTakeFirstOrThrow();
    expect(user).toMatchObject({ role: 'maintainer', display_name: 'Mia' });
    await expect(acceptInvitation(created.body.url, 'mia2')).rejects.toThrow(/410/);

    const list = await request(reg.url).get('/api/v1/invitations').set('Authorization', `Bearer ${reg.adminToken}`);
    expect(list.status).toBe(200);
    expect(list.body.items.find((i: { id: string }) => i.id === created.body.id)).toMatchObject({
      state: 'used',
      used_by: 'mia',
    });
    expect(JSON.stringify(list.body)).not.toContain(code);
    const audit = await reg.database.db.selectFrom('audit_log').select(['action', 'target']).execute();
    expect(audit).toContainEqual({ action: 'invitation.create', target: `invitation:${created.body.id}` });
    expect(audit).toContainEqual({ action: 'invitation.accept', target: 'mia' });
  });

  it('refuses an expired link and a revoked one; a used one cannot be revoked', async () => {
    const expiring = await invite();
    await reg.database.db
      .updateTable('invitations')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', Number(expiring.body.id))
      .execute();
    const expired = await request(reg.url).get(new URL(expiring.body.url).pathname);
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('expired');

    const revoking = await invite();
    const revoked = await request(reg.url)
      .delete(`/api/v1/invitations/${revoking.body.id}`)
      .set('Authorization', `Bearer ${reg.adminToken}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.state).toBe('revoked');
    expect((await request(reg.url).get(new URL(revoking.body.url).pathname)).status).toBe(410);

    const used = await invite();
    await acceptInvitation(used.body.url, 'ned');
    const late = await request(reg.url)
      .delete(`/api/v1/invitations/${used.body.id}`)
      .set('Authorization', `Bearer ${reg.adminToken}`);
    expect(late.status).toBe(409);
    expect(
      (await request(reg.url).delete('/api/v1/invitations/999999').set('Authorization', `Bearer ${reg.adminToken}`))
        .status,
    ).toBe(404);
  });

  it("dies with its inviter's admin role", async () => {
    const second = await createUser(reg, 'ada', 'admin');
    const made = await invite({}, second);
    expect(made.status).toBe(201);
    await request(reg.url)
      .patch('/api/v1/admin/users/ada')
      .set('Authorization', `Bearer ${reg.adminToken}`)
      .send({ role: 'user' });
    expect((await request(reg.url).get(new URL(made.body.url).pathname)).status).toBe(410);
  });
});

describe('account page tokens', () => {
  it('creates a token shown once with the cws login line, lists it and revokes it', async () => {
    const made = await invite();
    const olga = await acceptInvitation(made.body.url, 'olga');
    const page = await request(reg.url).get('/account/tokens').set('Cookie', olga.cookie);
    expect(page.text).toContain('You have no tokens yet');
    expect(page.text).not.toContain('value="admin"');

    // Without the CSRF token: refused.
    const forged = await request(reg.url)
      .post('/account/tokens')
      .set('Cookie', olga.cookie)
      .type('form')
      .send('name=x&scopes=rate&expires=30');
    expect(forged.status).toBe(403);
    // A scope beyond the person's role: refused on the form.
    const wider = await request(reg.url)
      .post('/account/tokens')
      .set('Cookie', olga.cookie)
      .type('form')
      .send(`csrf=${encodeURIComponent(olga.csrf)}&name=x&scopes=admin&expires=30`);
    expect(wider.status).toBe(403);
    expect(byId(wider.text, 'token-error')).toContain('admin');

    const created = await request(reg.url)
      .post('/account/tokens')
      .set('Cookie', olga.cookie)
      .type('form')
      .send(`csrf=${encodeURIComponent(olga.csrf)}&name=laptop&scopes=rate&expires=30`);
    expect(created.status).toBe(201);
    const token = byId(created.text, 'token-value')!;
    expect(byId(created.text, 'login-line')).toBe(`cws login --registry ${reg.url} --token ${token}`);
    const me = await request(reg.url).get('/api/v1/me').set('Authorization', `Bearer ${token}`);
    expect(me.body.handle).toBe('olga');
    const tokens = await request(reg.url).get('/api/v1/tokens').set('Authorization', `Bearer ${token}`);
    const info = tokens.body.find((t: { name: string }) => t.name === 'laptop');
    expect(info.scopes).toEqual(['rate']);
    expect(Date.parse(info.expires_at) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    // The list shows it, without its value.
    const listed = await request(reg.url).get('/account/tokens').set('Cookie', olga.cookie);
    expect(listed.text).toContain(`id="token-${info.id}"`);
    expect(listed.text).not.toContain(token);

    const revoked = await request(reg.url)
      .post(`/account/tokens/${info.id}/revoke`)
      .set('Cookie', olga.cookie)
      .type('form')
      .send(`csrf=${encodeURIComponent(olga.csrf)}`);
    expect(revoked.status).toBe(303);
    expect((await request(reg.url).get('/api/v1/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);
  });

  it('keeps tokens made in a `cws web login` session within the token that signed in', async () => {
    const narrow = await request(reg.url)
      .post('/api/v1/tokens')
      .set('Authorization', `Bearer ${userToken}`)
      .send({ name: 'rate only', scopes: ['rate'], expires_in_days: 2 });
    const session = await signIn(reg, narrow.body.token);
    const page = await request(reg.url).get('/account/tokens').set('Cookie', session.cookie);
    expect(page.text).toContain('value="rate"');
    expect(page.text).not.toContain('value="publish"');
    const wider = await request(reg.url)
      .post('/account/tokens')
      .set('Cookie', session.cookie)
      .type('form')
      .send(`csrf=${encodeURIComponent(session.csrf)}&name=x&scopes=publish&expires=30`);
    expect(wider.status).toBe(403);
    const capped = await request(reg.url)
      .post('/account/tokens')
      .set('Cookie', session.cookie)
      .type('form')
      .send(`csrf=${encodeURIComponent(session.csrf)}&name=capped&scopes=rate&expires=never`);
    expect(capped.status).toBe(201);
    const list = await request(reg.url).get('/api/v1/tokens').set('Authorization', `Bearer ${userToken}`);
    const made = list.body.find((t: { name: string }) => t.name === 'capped');
    expect(made.expires_at).toBe(narrow.body.expires_at);
    // A non-admin's session has no invitations page.
    expect((await request(reg.url).get('/account/invitations').set('Cookie', session.cookie)).status).toBe(403);
  });

  it('sends the signed-out visitor to sign in', async () => {
    const res = await request(reg.url).get('/account/tokens');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Faccount%2Ftokens');
  });
});
