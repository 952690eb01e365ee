import { resolveResult } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, fakeAmi, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

/**
 * Resolve pinned to a listing (listing=OWNER/NAME): alice's and bob's listings of one template, bob's ranked higher
 * (rated 5 against 2). A pinned resolve answers with alice's image or a 404 naming her listing, never bob's.
 */
let reg: TestRegistry;
let alice: string;
let bob: string;
let carol: string;

async function rate(token: string, ref: string, rating: number) {
  const res = await request(reg.url)
    .put(`/api/v1/listings/${ref}/rating`)
    .set('Authorization', `Bearer ${token}`)
    .send({ rating });
  expect(res.status).toBe(200);
}

let worlds = 0;
async function catalogue() {
  const n = ++worlds;
  const template = `rstudio-${n}`;
  const ami = { alice1: fakeAmi(), alice2: fakeAmi(), bob: fakeAmi() };
  await publish(reg, alice, {
    ...publishBody(`rstudio-${n}`, { template }),
    version: { version: '1.0.0', regions: [{ region: 'us-east-1', architecture: 'x86_64', ami_id: ami.alice1 }] },
  });
  await request(reg.url)
    .post(`/api/v1/listings/alice/rstudio-${n}/versions`)
    .set('Authorization', `Bearer ${alice}`)
    .send({ version: '2.0.0', regions: [{ region: 'us-east-1', ami_id: ami.alice2 }] })
    .expect(201);
  await publish(reg, bob, {
    ...publishBody(`rstudio-${n}`, { template }),
    version: { version: '9.0.0', regions: [{ region: 'us-east-1', architecture: 'x86_64', ami_id: ami.bob }] },
  });
  await rate(carol, `bob/rstudio-${n}`, 5);
  await rate(carol, `alice/rstudio-${n}`, 2);
  const resolve = (qs: string, token?: string) => {
    const r = request(reg.url).get(`/api/v1/resolve/${template}?${qs}`);
    return token ? r.set('Authorization', `Bearer ${token}`) : r;
  };
  return { n, template, ref: `alice/rstudio-${n}`, ami, resolve };
}

beforeAll(async () => {
  reg = await startRegistry();
  alice = await createUser(reg, 'alice');
  bob = await createUser(reg, 'bob');
  carol = await createUser(reg, 'carol');
});
afterAll(() => reg?.close());

describe('resolve with listing=OWNER/NAME', () => {
  it("answers with that listing's image, not the better-ranked one of another publisher", async () => {
    const { ref, ami, resolve } = await catalogue();
    const unpinned = await resolve('region=us-east-1&count=false');
    expect(unpinned.status).toBe(200);
    expect(unpinned.body.ami_id).toBe(ami.bob);
    const pinned = await resolve(`region=us-east-1&count=false&listing=${ref}`);
    expect(pinned.status, JSON.stringify(pinned.body)).toBe(200);
    const body = resolveResult.parse(pinned.body);
    expect(body).toMatchObject({ ami_id: ami.alice2, listing: { ref }, version: { version: '2.0.0' } });
    expect(body.reason).toContain(`listing ${ref}`);
  });

  it('keeps pinned and unpinned answers apart in the cache, both ways, on repeats (the lean path)', async () => {
    const { ref, ami, resolve } = await catalogue();
    for (let i = 0; i < 3; i++) {
      expect((await resolve(`region=us-east-1&listing=${ref}`)).body.ami_id).toBe(ami.alice2);
      expect((await resolve('region=us-east-1')).body.ami_id).toBe(ami.bob);
    }
    // Signed in (the full stack, the viewer's own scope in the key), unpinned first this time.
    for (let i = 0; i < 2; i++) {
      expect((await resolve('region=us-east-1', carol)).body.ami_id).toBe(ami.bob);
      expect((await resolve(`region=us-east-1&listing=${ref}`, carol)).body.ami_id).toBe(ami.alice2);
    }
  });

  it("a revoked version falls back to the listing's older one, then to a 404 naming the listing, never to bob's", async () => {
    const { ref, ami, resolve } = await catalogue();
    const auth = { Authorization: `Bearer ${alice}` };
    expect((await resolve(`region=us-east-1&listing=${ref}`)).body.ami_id).toBe(ami.alice2);
    await request(reg.url).post(`/api/v1/listings/${ref}/versions/2.0.0/revoke`).set(auth).send({ reason: 'cve' });
    expect((await resolve(`region=us-east-1&listing=${ref}`)).body.ami_id).toBe(ami.alice1);
    await request(reg.url).post(`/api/v1/listings/${ref}/versions/1.0.0/revoke`).set(auth).send({ reason: 'cve' });
    const gone = await resolve(`region=us-east-1&listing=${ref}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('no_match');
    expect(gone.body.error.message).toContain(`listing ${ref}`);
    expect(gone.body.error.message).toMatch(/2 revoked/);
    expect((await resolve('region=us-east-1')).body.ami_id).toBe(ami.bob);
  });

  it('honours the policy within the listing, and says why it has nothing', async () => {
    const { ref, template, resolve } = await catalogue();
    const low = await resolve(`region=us-east-1&min_rating=4&listing=${ref}`);
    expect(low.status).toBe(404);
    expect(low.body.error.message).toContain(`listing ${ref}`);
    expect(low.body.error.message).toContain('below min_rating 4');
    const west = await resolve(`region=us-west-2&listing=${ref}`);
    expect(west.status).toBe(404);
    expect(west.body.error.message).toBe(
      `listing ${ref} has no image for ${template} in us-west-2/x86_64 (it has images in us-east-1/x86_64)`,
    );
    const channel = await resolve(`region=us-east-1&channel=beta&listing=${ref}`);
    expect(channel.status).toBe(404);
    expect(channel.body.error.message).toContain('channel "beta"');
    const blocked = await resolve(`region=us-east-1&max_severity=high&severity_mode=block&listing=${ref}`);
    expect(blocked.status).toBe(404);
    expect(blocked.body.error.message).toContain('not scanned');
  });

  it('a listing of another template, or one the viewer may not see, is a 404 naming it', async () => {
    const { n, resolve } = await catalogue();
    await publish(reg, alice, { ...publishBody(`other-${n}`, { template: 'python-ml' }) });
    const other = await resolve(`region=us-east-1&listing=alice/other-${n}`);
    expect(other.status).toBe(404);
    expect(other.body.error.message).toBe(`listing alice/other-${n} is for template python-ml, not rstudio-${n}`);
    await publish(reg, alice, { ...publishBody(`secret-${n}`, { template: `rstudio-${n}`, visibility: 'private' }) });
    const hidden = await resolve(`region=us-east-1&listing=alice/secret-${n}`);
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.message).toBe(`no listing alice/secret-${n}`);
    expect((await resolve(`region=us-east-1&listing=alice/secret-${n}`, alice)).status).toBe(200);
    expect((await resolve(`region=us-east-1&listing=nobody/none`)).body.error.message).toBe('no listing nobody/none');
  });

  it('a malformed listing is a 400 that says what a listing reference is', async () => {
    const { resolve } = await catalogue();
    for (const bad of ['alice', 'Alice/rstudio', 'a/b/c', '/x', 'alice/']) {
      const res = await resolve(`region=us-east-1&listing=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(400);
      expect(JSON.stringify(res.body.error), bad).toMatch(/listing.*OWNER\/NAME/);
    }
  });

  it('the OpenAPI document lists the parameter', async () => {
    const doc = (await request(reg.url).get('/api/v1/openapi.json')).body;
    const params = doc.paths['/api/v1/resolve/{template}'].get.parameters as Array<{ name: string; in: string }>;
    expect(params.find((p) => p.name === 'listing')).toMatchObject({ in: 'query' });
  });
});
