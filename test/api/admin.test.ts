import { adminUserPage, registryAuditPage } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { signIn } from '../web/sign-in.js';

let reg: TestRegistry;
const t: Record<string, string> = {};
const auth = (token?: string) => (token ? { Authorization: `Bearer ${token}` } : {});
const api = () => request(reg.url);

beforeAll(async () => {
  reg = await startRegistry();
  for (const h of ['amy', 'bob', 'cat']) t[h] = await createUser(reg, h);
  await api()
    .post('/api/v1/orgs')
    .set(auth(reg.adminToken))
    .send({ name: 'lab', admins: ['amy'] });
  await api().put('/api/v1/orgs/lab/members/bob').set(auth(t.amy)).send({ role: 'member' });
  await publish(reg, t.cat!, publishBody('hidden', { visibility: 'private' }));
});
afterAll(() => reg?.close());

describe('registry administration', () => {
  it('lists people with roles and organisations, paged; not organisations, not for non-admins', async () => {
    const first = await api().get('/api/v1/admin/users?limit=2').set(auth(reg.adminToken));
    expect(first.status).toBe(200);
    const page = adminUserPage.parse(first.body);
    expect(page.items.map((u) => u.handle)).toEqual(['admin', 'amy']);
    expect(page.items[1]!.orgs).toEqual([{ name: 'lab', role: 'admin' }]);
    const rest = adminUserPage.parse(
      (await api().get(`/api/v1/admin/users?limit=10&cursor=${page.next_cursor}`).set(auth(reg.adminToken))).body,
    );
    expect(rest.items.map((u) => u.handle)).toEqual(['bob', 'cat']);
    expect((await api().get('/api/v1/admin/users?q=b').set(auth(reg.adminToken))).body.items).toHaveLength(1);
    expect((await api().get('/api/v1/admin/users').set(auth(t.amy))).status).toBe(403);
    expect((await api().get('/api/v1/admin/users')).status).toBe(401);
    expect((await api().get('/api/v1/admin/users?cursor=nope').set(auth(reg.adminToken))).status).toBe(400);
  });

  it('a role change takes effect at once', async () => {
    expect((await api().get('/api/v1/listings/cat/hidden').set(auth(t.bob))).status).toBe(404);
    const up = await api().patch('/api/v1/admin/users/bob').set(auth(reg.adminToken)).send({ role: 'maintainer' });
    expect(up.status).toBe(200);
    expect(up.body.role).toBe('maintainer');
    expect((await api().get('/api/v1/listings/cat/hidden').set(auth(t.bob))).status).toBe(200);
    await api().patch('/api/v1/admin/users/bob').set(auth(reg.adminToken)).send({ role: 'user' });
    expect((await api().get('/api/v1/listings/cat/hidden').set(auth(t.bob))).status).toBe(404);
    expect((await api().patch('/api/v1/admin/users/bob').set(auth(reg.adminToken)).send({})).status).toBe(400);
    expect((await api().patch('/api/v1/admin/users/lab').set(auth(reg.adminToken)).send({ role: 'user' })).status).toBe(
      404,
    );
    expect((await api().patch('/api/v1/admin/users/bob').set(auth(t.amy)).send({ role: 'admin' })).status).toBe(403);
  });

  it('disabling a user stops their tokens, organisation-limited ones included, and their sessions at once', async () => {
    const limited = (await api().post('/api/v1/tokens').set(auth(t.bob)).send({ name: 'ci', org: 'lab' })).body.token;
    const { cookie } = await signIn(reg, t.bob!);
    expect((await api().get('/my/listings').set('Cookie', cookie)).status).toBe(200);
    expect((await api().get('/api/v1/me').set(auth(t.bob))).status).toBe(200);
    const off = await api().patch('/api/v1/admin/users/bob').set(auth(reg.adminToken)).send({ disabled: true });
    expect(off.status).toBe(200);
    expect(off.body.disabled_at).toBeTruthy();
    expect((await api().get('/api/v1/me').set(auth(t.bob))).status).toBe(401);
    expect((await api().get('/api/v1/me').set(auth(limited))).status).toBe(401);
    // The session is gone: the page sends a signed-out visitor to sign in.
    const page = await api().get('/my/listings').set('Cookie', cookie);
    expect(page.status).toBe(303);
    const on = await api().patch('/api/v1/admin/users/bob').set(auth(reg.adminToken)).send({ disabled: false });
    expect(on.body.disabled_at).toBeNull();
    expect((await api().get('/api/v1/me').set(auth(t.bob))).status).toBe(200);
    // The registry never loses its last admin, and nobody disables themselves.
    const self = await api().patch('/api/v1/admin/users/admin').set(auth(reg.adminToken)).send({ disabled: true });
    expect(self.status).toBe(409);
  });

  it('keeps a registry-wide audit log for admins, and an organisation part for its admins', async () => {
    // Its own changes: bob made maintainer and back, disabled and enabled again (as he was), and an organisation
    // of its own (cat its admin, so amy's organisations in the people list stay as they are) with a token for it.
    const patch = (body: object) => api().patch('/api/v1/admin/users/bob').set(auth(reg.adminToken)).send(body);
    for (const body of [{ role: 'maintainer' }, { role: 'user' }, { disabled: true }, { disabled: false }]) {
      expect((await patch(body)).status).toBe(200);
    }
    const made = await api()
      .post('/api/v1/orgs')
      .set(auth(reg.adminToken))
      .send({ name: 'audited', admins: ['cat'] });
    expect(made.status).toBe(201);
    expect((await api().put('/api/v1/orgs/audited/members/bob').set(auth(t.cat)).send({ role: 'member' })).status).toBe(
      200,
    );
    expect((await api().post('/api/v1/tokens').set(auth(t.bob)).send({ name: 'ci', org: 'audited' })).status).toBe(201);

    const all = registryAuditPage.parse(
      (await api().get('/api/v1/admin/audit?action=user.&limit=50').set(auth(reg.adminToken))).body,
    );
    const entries = all.items.map((e) => `${e.action} ${e.target}`);
    // Newest first: this test's four, (other tests' changes to bob, in any order,) the people made at the start.
    expect(entries.slice(0, 4)).toEqual(['user.enable bob', 'user.disable bob', 'user.role bob', 'user.role bob']);
    expect(entries.slice(-3)).toEqual(['user.create cat', 'user.create bob', 'user.create amy']);
    expect(entries.slice(4, -3).every((e) => e.endsWith(' bob'))).toBe(true);
    expect(all.items[0]!.actor).toBe('admin');
    const org = registryAuditPage.parse((await api().get('/api/v1/admin/audit?org=audited').set(auth(t.cat))).body);
    expect(org.items.map((e) => e.action)).toEqual(['token.create', 'org.member.add', 'org.create']);
    expect(org.items.every((e) => e.org === 'audited')).toBe(true);
    expect((await api().get('/api/v1/admin/audit?org=audited').set(auth(t.bob))).status).toBe(403);
    expect((await api().get('/api/v1/admin/audit').set(auth(t.amy))).status).toBe(403);
    expect((await api().get('/api/v1/admin/audit?org=lab').set(auth(t.bob))).status).toBe(403);
    expect((await api().get('/api/v1/admin/audit?action=DROP%20TABLE').set(auth(reg.adminToken))).status).toBe(400);
    const paged = await api().get('/api/v1/admin/audit?limit=2').set(auth(reg.adminToken));
    const next = await api()
      .get(`/api/v1/admin/audit?limit=2&cursor=${paged.body.next_cursor}`)
      .set(auth(reg.adminToken));
    expect(next.body.items[0].id).not.toBe(paged.body.items[0].id);
  });
});
