import { orgDetail, orgInfo, orgMember } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

let reg: TestRegistry;
const tokens: Record<string, string> = {};
beforeAll(async () => {
  reg = await startRegistry();
  for (const h of ['ada', 'ben', 'cy', 'dee']) tokens[h] = await createUser(reg, h);
});
afterAll(() => reg?.close());

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

/** An organisation of its own for one test (ada its admin), with members set by hand: no test relies on another's. */
async function newOrg(name: string, members: Record<string, 'member' | 'publisher' | 'admin'> = {}): Promise<void> {
  const res = await request(reg.url)
    .post('/api/v1/orgs')
    .set(auth(reg.adminToken))
    .send({ name, admins: ['ada'] });
  expect(res.status).toBe(201);
  for (const [handle, role] of Object.entries(members)) {
    const add = await request(reg.url)
      .put(`/api/v1/orgs/${name}/members/${handle}`)
      .set(auth(tokens.ada!))
      .send({ role });
    expect(add.status).toBe(200);
  }
}

describe('organisations and members', () => {
  it('lets a registry admin create an organisation with first admins; its name joins the handle namespace', async () => {
    const res = await request(reg.url)
      .post('/api/v1/orgs')
      .set(auth(reg.adminToken))
      .send({ name: 'physics', display_name: 'Physics Dept', admins: ['ada'] });
    expect(res.status).toBe(201);
    const body = orgDetail.parse(res.body);
    expect(body.member_list).toEqual([expect.objectContaining({ handle: 'ada', role: 'admin', source: 'manual' })]);
    // Taken by a person, or by the organisation itself: 409 both ways.
    expect((await request(reg.url).post('/api/v1/orgs').set(auth(reg.adminToken)).send({ name: 'ben' })).status).toBe(
      409,
    );
    expect(
      (await request(reg.url).post('/api/v1/users').set(auth(reg.adminToken)).send({ handle: 'physics' })).status,
    ).toBe(409);
    // Only registry admins create organisations; bad names are 400, unknown first admins 404.
    expect((await request(reg.url).post('/api/v1/orgs').set(auth(tokens.ada!)).send({ name: 'chem' })).status).toBe(
      403,
    );
    expect(
      (await request(reg.url).post('/api/v1/orgs').set(auth(reg.adminToken)).send({ name: 'Bad Name' })).status,
    ).toBe(400);
    expect(
      (
        await request(reg.url)
          .post('/api/v1/orgs')
          .set(auth(reg.adminToken))
          .send({ name: 'chem', admins: ['nobody'] })
      ).status,
    ).toBe(404);
  });

  it("lets the organisation's admin add members and change roles; others get 403 or 404", async () => {
    await newOrg('optics');
    const add = await request(reg.url)
      .put('/api/v1/orgs/optics/members/ben')
      .set(auth(tokens.ada!))
      .send({ role: 'publisher' });
    expect(add.status).toBe(200);
    expect(orgMember.parse(add.body)).toMatchObject({ handle: 'ben', role: 'publisher' });
    // A publisher is not an admin: 403. A non-member does not learn the organisation exists: 404.
    const byBen = await request(reg.url)
      .put('/api/v1/orgs/optics/members/cy')
      .set(auth(tokens.ben!))
      .send({ role: 'member' });
    expect(byBen.status).toBe(403);
    const byCy = await request(reg.url)
      .put('/api/v1/orgs/optics/members/cy')
      .set(auth(tokens.cy!))
      .send({ role: 'admin' });
    expect(byCy.status).toBe(404);
    expect((await request(reg.url).get('/api/v1/orgs/optics').set(auth(tokens.cy!))).status).toBe(404);
    // Bad role 400, unknown person 404, an organisation as a member 400.
    expect(
      (await request(reg.url).put('/api/v1/orgs/optics/members/cy').set(auth(tokens.ada!)).send({ role: 'owner' }))
        .status,
    ).toBe(400);
    expect(
      (await request(reg.url).put('/api/v1/orgs/optics/members/zz').set(auth(tokens.ada!)).send({ role: 'member' }))
        .status,
    ).toBe(404);
    const list = await request(reg.url).get('/api/v1/orgs').set(auth(tokens.ben!));
    expect(list.body.map((o: unknown) => orgInfo.parse(o))).toContainEqual(
      expect.objectContaining({ name: 'optics', members: 2, my_role: 'publisher' }),
    );
    const cysList = (await request(reg.url).get('/api/v1/orgs').set(auth(tokens.cy!))).body as { name: string }[];
    expect(cysList.map((o) => o.name)).not.toContain('optics');
  });

  it('keeps at least one admin, lets members leave, and audits every change', async () => {
    await newOrg('acoustics');
    const demote = await request(reg.url)
      .put('/api/v1/orgs/acoustics/members/ada')
      .set(auth(tokens.ada!))
      .send({ role: 'member' });
    expect(demote.status).toBe(409);
    expect(demote.body.error.message).toMatch(/last admin/);
    expect((await request(reg.url).delete('/api/v1/orgs/acoustics/members/ada').set(auth(tokens.ada!))).status).toBe(
      409,
    );
    await request(reg.url).put('/api/v1/orgs/acoustics/members/dee').set(auth(tokens.ada!)).send({ role: 'member' });
    expect((await request(reg.url).delete('/api/v1/orgs/acoustics/members/dee').set(auth(tokens.dee!))).status).toBe(
      204,
    );
    expect((await request(reg.url).delete('/api/v1/orgs/acoustics/members/dee').set(auth(tokens.ada!))).status).toBe(
      404,
    );
    const log = await reg.database.db
      .selectFrom('audit_log')
      .select(['action', 'target'])
      .where('action', 'like', 'org.%')
      .where('target', 'like', 'acoustics%')
      .orderBy('id')
      .execute();
    expect(log.map((l) => `${l.action} ${l.target}`)).toEqual([
      'org.create acoustics',
      'org.member.add acoustics/dee',
      'org.member.remove acoustics/dee',
    ]);
  });

  it('gives identity-provider roles without touching memberships an admin set by hand', async () => {
    await newOrg('geology', { ben: 'publisher' });
    const orgs = reg.server.ctx.services.orgs;
    const cy = await reg.database.db
      .selectFrom('users')
      .select('id')
      .where('handle', '=', 'cy')
      .executeTakeFirstOrThrow();
    const ben = await reg.database.db
      .selectFrom('users')
      .select('id')
      .where('handle', '=', 'ben')
      .executeTakeFirstOrThrow();
    expect(await orgs.applyIdentityProviderRole('geology', cy.id, 'member', 'campus')).toBe('member');
    expect(await orgs.applyIdentityProviderRole('geology', cy.id, 'publisher', 'campus')).toBe('publisher');
    expect(await orgs.applyIdentityProviderRole('geology', ben.id, 'member', 'campus')).toBe('publisher');
    const detail = orgDetail.parse((await request(reg.url).get('/api/v1/orgs/geology').set(auth(tokens.ada!))).body);
    expect(detail.member_list.find((m) => m.handle === 'cy')).toMatchObject({ role: 'publisher', source: 'saml' });
    expect(await orgs.applyIdentityProviderRole('geology', cy.id, null, 'campus')).toBeNull();
    await expect(orgs.applyIdentityProviderRole('nope', cy.id, 'member', 'campus')).rejects.toThrow(/no organisation/);
  });
});
