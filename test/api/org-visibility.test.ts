import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, fakeAmi, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

// Visibility org and private across every read path: search, detail, reviews, audit, resolve,
// the seed's community list, ratings; with Redis set, the shared cache is in the loop too.
let reg: TestRegistry;
const t: Record<string, string> = {};
const auth = (token?: string) => (token ? { Authorization: `Bearer ${token}` } : {});
const get = (path: string, token?: string) => request(reg.url).get(`/api/v1${path}`).set(auth(token));

async function publishAs(token: string, body: object) {
  return request(reg.url).post('/api/v1/listings').set(auth(token)).send(body);
}

/**
 * Organisations physics<suffix> (ada admin, ben publisher, cy member) and chem<suffix> (ada admin, ben publisher),
 * with a public, an org and a private listing in physics and an org listing in chem, on templates of their own.
 * The read-only tests share the plain one made in beforeAll; a test that changes memberships makes its own, so no
 * test sees what another changed.
 */
async function orgWorld(suffix: string) {
  const w = {
    physics: `physics${suffix}`,
    chem: `chem${suffix}`,
    lab: `lab${suffix}`,
    notes: `notes${suffix}`,
    ami: { pub: fakeAmi(), org: fakeAmi(), priv: fakeAmi(), chem: fakeAmi() },
  };
  const org = (name: string, admins: string[]) =>
    request(reg.url).post('/api/v1/orgs').set(auth(reg.adminToken)).send({ name, admins });
  expect((await org(w.physics, ['ada'])).status).toBe(201);
  expect((await org(w.chem, ['ada'])).status).toBe(201);
  const member = (o: string, h: string, role: string) =>
    request(reg.url).put(`/api/v1/orgs/${o}/members/${h}`).set(auth(t.ada)).send({ role });
  expect((await member(w.physics, 'ben', 'publisher')).status).toBe(200);
  expect((await member(w.physics, 'cy', 'member')).status).toBe(200);
  expect((await member(w.chem, 'ben', 'publisher')).status).toBe(200);
  const region = (id: string) => ({ version: '1.0.0', regions: [{ region: 'us-east-1', ami_id: id }] });
  const pub = { ...publishBody('open', { template: w.lab }), org: w.physics, version: region(w.ami.pub) };
  const orgOnly = {
    ...publishBody('inside', { template: w.lab, visibility: 'org' }),
    org: w.physics,
    version: region(w.ami.org),
  };
  const priv = {
    ...publishBody('secret', { template: w.notes, visibility: 'private' }),
    org: w.physics,
    version: region(w.ami.priv),
  };
  const chem = {
    ...publishBody('reagents', { template: `chem-lab${suffix}`, visibility: 'org' }),
    org: w.chem,
    version: region(w.ami.chem),
  };
  for (const body of [pub, orgOnly, priv, chem]) expect((await publishAs(t.ben!, body)).status).toBe(201);
  // orgOnly outranks pub, so a member's resolve of "lab" picks it and an outsider's picks pub.
  expect(
    (await request(reg.url).put(`/api/v1/listings/${w.physics}/inside/rating`).set(auth(t.cy)).send({ rating: 5 }))
      .status,
  ).toBe(200);
  return w;
}
let worlds = 0;
const freshWorld = () => orgWorld(`-${++worlds}`);

let ami: Awaited<ReturnType<typeof orgWorld>>['ami'];
beforeAll(async () => {
  reg = await startRegistry();
  for (const h of ['ada', 'ben', 'cy', 'dee']) t[h] = await createUser(reg, h);
  ami = (await orgWorld('')).ami;
});
afterAll(() => reg?.close());

describe('publishing as an organisation', () => {
  it('needs the publisher or admin role; members get 403, outsiders 404', async () => {
    const body = { ...publishBody('try', { template: 'lab' }), org: 'physics' };
    const byCy = await publishAs(t.cy!, body);
    expect(byCy.status).toBe(403);
    expect(byCy.body.error.message).toMatch(/publisher or admin/);
    expect((await publishAs(t.dee!, body)).status).toBe(404);
    // "org" visibility needs an organisation owner.
    expect((await publishAs(t.dee!, publishBody('mine', { visibility: 'org' }))).status).toBe(400);
    const detail = await get('/listings/physics/open');
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ ref: 'physics/open', owner: 'physics' });
    expect(detail.body.versions[0].created_by).toBe('ben');
  });
});

describe('visibility org and private in every read path', () => {
  it('search shows org listings to members only, private ones to nobody outside the namespace', async () => {
    // Only the listings of the shared organisations: tests that change memberships publish into their own.
    const names = async (token?: string, qs = '') =>
      ((await get(`/listings?sort=name${qs}`, token)).body.items as { ref: string }[])
        .map((i) => i.ref)
        .filter((ref) => ref.startsWith('physics/') || ref.startsWith('chem/'));
    expect(await names()).toEqual(['physics/open']);
    expect(await names(t.dee)).toEqual(['physics/open']);
    expect(await names(t.cy)).toEqual(['physics/inside', 'physics/open']);
    expect(await names(t.ben)).toEqual(['chem/reagents', 'physics/inside', 'physics/open']);
    // Asking for the organisation's own listings shows its hidden ones to those who may see them.
    expect(await names(t.cy, '&owner=physics')).toEqual(['physics/inside', 'physics/open']);
    expect(await names(t.ada, '&owner=physics')).toEqual(['physics/inside', 'physics/open', 'physics/secret']);
    expect(await names(t.ben, '&owner=physics')).toEqual(['physics/inside', 'physics/open', 'physics/secret']);
    expect(await names(t.dee, '&owner=physics')).toEqual(['physics/open']);
    expect(await names(undefined, '&q=inside')).toEqual([]);
  });

  it('detail, reviews and audit answer 404 to those who may not see the listing', async () => {
    for (const path of ['/listings/physics/inside', '/listings/physics/inside/ratings']) {
      expect((await get(path)).status, path).toBe(404);
      expect((await get(path, t.dee)).status, path).toBe(404);
      expect((await get(path, t.cy)).status, path).toBe(200);
    }
    expect((await get('/listings/physics/secret', t.cy)).status).toBe(404);
    expect((await get('/listings/physics/secret', t.ben)).status).toBe(200);
    expect((await get('/listings/physics/secret', t.ada)).status).toBe(200);
    expect((await get('/listings/physics/secret', reg.adminToken)).status).toBe(200);
    expect((await get('/listings/physics/inside/audit', t.dee)).status).toBe(404);
    expect((await get('/listings/physics/inside/audit', t.cy)).status).toBe(403);
    expect((await get('/listings/physics/inside/audit', t.ben)).status).toBe(200);
    // Rating what you cannot see is 404, by name and by image id.
    const rate = await request(reg.url)
      .put('/api/v1/listings/physics/inside/rating')
      .set(auth(t.dee))
      .send({ rating: 1 });
    expect(rate.status).toBe(404);
    const seed = await request(reg.url)
      .post(`/api/v1/community/amis/${ami.org}/rate`)
      .set(auth(t.dee))
      .send({ rating: 1 });
    expect(seed.status).toBe(404);
  });

  it('resolve picks org and private images only for those who may see them, and the cache never crosses', async () => {
    const lab = async (token?: string) => (await get('/resolve/lab?region=us-east-1', token)).body.ami_id;
    // Members first, so their answer is cached before anyone else asks the same question.
    expect(await lab(t.cy)).toBe(ami.org);
    expect(await lab()).toBe(ami.pub);
    expect(await lab(t.dee)).toBe(ami.pub);
    expect(await lab(t.cy)).toBe(ami.org);
    const notes = (token?: string) => get('/resolve/notes?region=us-east-1', token);
    expect((await notes(t.ben)).body.ami_id).toBe(ami.priv);
    expect((await notes(t.ada)).body.ami_id).toBe(ami.priv);
    const miss = await notes(t.cy);
    expect(miss.status).toBe(404);
    expect(miss.body.error.message).toMatch(/no image for notes/);
    expect((await notes()).status).toBe(404);
  });

  it("the seed's community list includes org listings for members only", async () => {
    const list = async (token?: string) =>
      ((await get('/community/amis?template=lab', token)).body as { ami_id: string }[]).map((a) => a.ami_id).sort();
    expect(await list(t.cy)).toEqual([ami.org, ami.pub].sort());
    expect(await list()).toEqual([ami.pub]);
    expect(await list(t.dee)).toEqual([ami.pub]);
  });

  it('a role change or removal takes effect at once, cached answers included', async () => {
    const w = await freshWorld();
    const lab = `/resolve/${w.lab}?region=us-east-1`;
    // cy's answers, cached before the change.
    expect((await get(`/listings/${w.physics}/inside`, t.cy)).status).toBe(200);
    expect((await get(lab, t.cy)).body.ami_id).toBe(w.ami.org);
    expect((await get(`/listings/${w.physics}/secret`, t.cy)).status).toBe(404);
    const removed = await request(reg.url).delete(`/api/v1/orgs/${w.physics}/members/cy`).set(auth(t.ada));
    expect(removed.status).toBe(204);
    expect((await get(`/listings/${w.physics}/inside`, t.cy)).status).toBe(404);
    expect((await get(lab, t.cy)).body.ami_id).toBe(w.ami.pub);
    // Back as admin: sees the private listing too.
    await request(reg.url).put(`/api/v1/orgs/${w.physics}/members/cy`).set(auth(t.ada)).send({ role: 'admin' });
    expect((await get(`/listings/${w.physics}/secret`, t.cy)).status).toBe(200);
    expect((await get(`/resolve/${w.notes}?region=us-east-1`, t.cy)).body.ami_id).toBe(w.ami.priv);
  });
});

describe('tokens limited to one organisation', () => {
  it('see and act in that organisation only, never more than their owner', async () => {
    const { physics, chem, lab } = await freshWorld();
    const made = await request(reg.url).post('/api/v1/tokens').set(auth(t.ben)).send({ name: 'ci', org: physics });
    expect(made.status).toBe(201);
    expect(made.body.org).toBe(physics);
    const limited = made.body.token as string;
    // chem's org listing is out of reach; physics' is in.
    expect((await get(`/listings/${chem}/reagents`, t.ben)).status).toBe(200);
    expect((await get(`/listings/${chem}/reagents`, limited)).status).toBe(404);
    expect((await get(`/listings/${physics}/inside`, limited)).status).toBe(200);
    // Publishes into physics only.
    expect((await publishAs(limited, publishBody('personal'))).status).toBe(403);
    expect((await publishAs(limited, { ...publishBody('x', { template: lab }), org: chem })).status).toBe(403);
    expect((await publishAs(limited, { ...publishBody('ci-built', { template: lab }), org: physics })).status).toBe(
      201,
    );
    // Cannot widen itself, nor be made for an organisation its owner is not in.
    expect((await request(reg.url).post('/api/v1/tokens').set(auth(limited)).send({ name: 'wide' })).status).toBe(403);
    expect(
      (await request(reg.url).post('/api/v1/tokens').set(auth(t.dee)).send({ name: 'x', org: physics })).status,
    ).toBe(404);
    // The organisation's admins see it (not its value); others do not.
    const list = await get(`/orgs/${physics}/tokens`, t.ada);
    expect(list.status).toBe(200);
    expect(list.body).toEqual([expect.objectContaining({ name: 'ci', owner: 'ben' })]);
    expect(JSON.stringify(list.body)).not.toContain(limited);
    expect((await get(`/orgs/${physics}/tokens`, t.ben)).status).toBe(403);
    // When its owner leaves the organisation the token sees nothing of it.
    await request(reg.url).delete(`/api/v1/orgs/${physics}/members/ben`).set(auth(t.ada));
    expect((await get(`/listings/${physics}/inside`, limited)).status).toBe(404);
    expect((await publishAs(limited, { ...publishBody('after', { template: lab }), org: physics })).status).toBe(404);
  });
});
