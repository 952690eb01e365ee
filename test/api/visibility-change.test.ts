import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, fakeAmi, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

// Changing a listing's visibility over HTTP: who may, org only for an organisation's listings, and
// every read path (search, resolve, detail, the seed's community list) follows at once.
let reg: TestRegistry;
const t: Record<string, string> = {};
const auth = (token?: string) => (token ? { Authorization: `Bearer ${token}` } : {});
const get = (path: string, token?: string) => request(reg.url).get(`/api/v1${path}`).set(auth(token));
const setVis = (path: string, visibility: string, token?: string) =>
  request(reg.url).put(`/api/v1/listings/${path}/visibility`).set(auth(token)).send({ visibility });
const region = (id: string) => ({ version: '1.0.0', regions: [{ region: 'us-east-1', ami_id: id }] });

beforeAll(async () => {
  reg = await startRegistry();
  // ada: physics admin; ben: publisher (creates the listings); cy: member; dee: outsider; eve: another publisher.
  for (const h of ['ada', 'ben', 'cy', 'dee', 'eve']) t[h] = await createUser(reg, h);
  const own = { ...publishBody('notes', { template: 'visnotes' }), version: region(fakeAmi()) };
  expect((await request(reg.url).post('/api/v1/listings').set(auth(t.dee)).send(own)).status).toBe(201);
});
afterAll(() => reg?.close());

let worlds = 0;
/**
 * An organisation of its own for one test (physics-N: ada admin, ben and eve publishers, cy member) with ben's
 * public listing lab-env on a template of its own, so no test sees another's visibility changes or audit entries.
 */
async function labWorld() {
  const n = ++worlds;
  const w = { org: `physics-${n}`, ref: `physics-${n}/lab-env`, template: `vislab-${n}`, ami: fakeAmi() };
  const org = await request(reg.url)
    .post('/api/v1/orgs')
    .set(auth(reg.adminToken))
    .send({ name: w.org, admins: ['ada'] });
  expect(org.status).toBe(201);
  for (const [h, role] of [
    ['ben', 'publisher'],
    ['cy', 'member'],
    ['eve', 'publisher'],
  ] as const) {
    const m = await request(reg.url).put(`/api/v1/orgs/${w.org}/members/${h}`).set(auth(t.ada)).send({ role });
    expect(m.status).toBe(200);
  }
  const lab = { ...publishBody('lab-env', { template: w.template }), org: w.org, version: region(w.ami) };
  expect((await request(reg.url).post('/api/v1/listings').set(auth(t.ben)).send(lab)).status).toBe(201);
  const resolveLab = (token?: string) => get(`/resolve/${w.template}?region=us-east-1`, token);
  const community = async (token?: string) =>
    ((await get(`/community/amis?template=${w.template}`, token)).body as { ami_id: string }[]).map((a) => a.ami_id);
  return { ...w, resolveLab, community };
}

const searchRefs = async (token?: string) =>
  ((await get('/listings?sort=name', token)).body.items as { ref: string }[]).map((i) => i.ref);

describe('changing visibility', () => {
  it('the creating publisher moves an organisation listing public -> org -> private -> public, audit-logged', async () => {
    const { org, ref, ami, resolveLab, community } = await labWorld();
    // Everyone sees it first; the answers are cached.
    expect(await searchRefs()).toContain(ref);
    expect((await resolveLab()).body.ami_id).toBe(ami);
    expect(await community()).toEqual([ami]);
    expect((await get(`/listings/${ref}`)).status).toBe(200);

    const toOrg = await setVis(ref, 'org', t.ben);
    expect(toOrg.status, JSON.stringify(toOrg.body)).toBe(200);
    expect(toOrg.body).toEqual({ listing: ref, visibility: 'org' });
    // Gone at once for anonymous callers and outsiders, cached answers included.
    expect(await searchRefs()).not.toContain(ref);
    expect((await resolveLab()).status).toBe(404);
    expect(await community()).toEqual([]);
    expect((await get(`/listings/${ref}`)).status).toBe(404);
    expect((await get(`/listings/${ref}`, t.dee)).status).toBe(404);
    expect((await resolveLab(t.dee)).status).toBe(404);
    // A member still sees and resolves it.
    expect(await searchRefs(t.cy)).toContain(ref);
    expect((await resolveLab(t.cy)).body.ami_id).toBe(ami);
    expect((await get(`/listings/${ref}`, t.cy)).body.visibility).toBe('org');
    expect(await community(t.cy)).toEqual([ami]);

    expect((await setVis(ref, 'private', t.ben)).body.visibility).toBe('private');
    expect((await get(`/listings/${ref}`, t.cy)).status).toBe(404);
    expect((await resolveLab(t.cy)).status).toBe(404);
    expect((await get(`/listings/${ref}`, t.ben)).status).toBe(200);

    expect((await setVis(ref, 'public', t.ben)).status).toBe(200);
    expect((await get(`/listings/${ref}`)).body.visibility).toBe('public');
    expect((await resolveLab()).body.ami_id).toBe(ami);

    const log = await get(`/listings/${ref}/audit`, t.ada);
    expect(log.status).toBe(200);
    const changes = (log.body.items as { action: string; actor: string; details: object }[])
      .filter((e) => e.action === 'listing.visibility')
      .map((e) => ({ actor: e.actor, ...e.details }));
    expect(changes).toEqual([
      { actor: 'ben', from: 'private', to: 'public' },
      { actor: 'ben', from: 'org', to: 'private' },
      { actor: 'ben', from: 'public', to: 'org' },
    ]);
    // The organisation's audit view has it too.
    const orgLog = await get(`/admin/audit?org=${org}&action=listing.visibility`, t.ada);
    expect(orgLog.status, JSON.stringify(orgLog.body)).toBe(200);
    expect(orgLog.body.items.length).toBe(3);
  });

  it('an org admin and a registry admin may; a member, another publisher and outsiders may not', async () => {
    const { ref } = await labWorld();
    expect((await setVis(ref, 'org', t.ada)).status).toBe(200);
    const byMember = await setVis(ref, 'public', t.cy);
    expect(byMember.status).toBe(403);
    expect(byMember.body.error.message).toMatch(/admins, the publisher who created it/);
    expect((await setVis(ref, 'public', t.eve)).status).toBe(403);
    // An outsider cannot see an org listing: 404, not a hint that it exists.
    expect((await setVis(ref, 'public', t.dee)).status).toBe(404);
    expect((await setVis(ref, 'public')).status).toBe(401);
    expect((await setVis(ref, 'public', reg.adminToken)).status).toBe(200);
    // Public now: the outsider sees it, and gets 403.
    expect((await setVis(ref, 'private', t.dee)).status).toBe(403);
    expect((await get(`/listings/${ref}`)).body.visibility).toBe('public');
  });

  it('org is refused for a personal listing; bad values are 400; a personal owner may change theirs', async () => {
    const org = await setVis('dee/notes', 'org', t.dee);
    expect(org.status).toBe(400);
    expect(org.body.error.message).toMatch(/owned by an organisation/);
    expect((await setVis('dee/notes', 'secret', t.dee)).status).toBe(400);
    expect((await setVis('dee/notes', 'unlisted', t.ben)).status).toBe(403);
    expect((await setVis('dee/notes', 'unlisted', t.dee)).body.visibility).toBe('unlisted');
    expect(await searchRefs()).not.toContain('dee/notes');
    expect((await get('/listings/dee/notes')).status).toBe(200);
    expect((await setVis('nobody/none', 'public', t.dee)).status).toBe(404);
  });
});
