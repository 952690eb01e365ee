import { amiStatusResult, launchResult, listingDetail } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, fakeAmi, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

let reg: TestRegistry;
let alice: string;
let bob: string;
let carol: string;
beforeAll(async () => {
  reg = await startRegistry();
  alice = await createUser(reg, 'alice');
  bob = await createUser(reg, 'bob');
  carol = await createUser(reg, 'carol');
});
afterAll(() => reg?.close());
const auth = (t: string) => ({ Authorization: `Bearer ${t}` });
const status = async (ids: string[], token?: string) => {
  const req = request(reg.url).post('/api/v1/amis/status');
  const res = await (token ? req.set(auth(token)) : req).send({ ami_ids: ids });
  expect(res.status).toBe(200);
  return amiStatusResult.parse(res.body).items;
};

let seq = 0;
/**
 * A three-generation chain of its own for one test: alice's base image, bob's image built on it, carol's built on
 * bob's. Fresh listing names, images and templates, so resolve sees only this chain and no test relies on another's.
 */
async function lineage() {
  seq += 1;
  const c = {
    parent: fakeAmi(),
    child: fakeAmi(),
    grandchild: fakeAmi(),
    base: `torch-${seq}`,
    plus: `torch-plus-${seq}`,
    baseTemplate: `python-ml-${seq}`,
    derivedTemplate: `ubuntu-24.04-${seq}`,
  };
  await publish(
    reg,
    alice,
    publishBody(c.base, { template: c.baseTemplate, version: { version: '1.0.0', regions: [east(c.parent)] } }),
  );
  await publish(
    reg,
    bob,
    publishBody(c.plus, {
      template: c.derivedTemplate,
      version: {
        version: '1.0.0',
        parent_ami: c.parent,
        parent_listing: `alice/${c.base}@1.0.0`,
        regions: [east(c.child)],
      },
    }),
  );
  await publish(
    reg,
    carol,
    publishBody(`torch-max-${seq}`, {
      template: c.derivedTemplate,
      version: { version: '1.0.0', parent_ami: c.child, regions: [east(c.grandchild)] },
    }),
  );
  return c;
}

/** A listing of alice's of its own (template of its own, so resolve finds only it) for one test. */
async function countedListing() {
  seq += 1;
  const ami = fakeAmi();
  const name = `counted-${seq}`;
  const template = `r-research-${seq}`;
  await publish(reg, alice, publishBody(name, { template, version: { version: '1.0.0', regions: [east(ami)] } }));
  return { ami, name, template };
}

describe('batch AMI status, revocation and lineage', () => {
  it('answers per id, in order, active and unlisted alike', async () => {
    const { parent, child, base } = await lineage();
    const unknown = fakeAmi();
    const items = await status([parent, unknown]);
    expect(items[0]).toMatchObject({
      ami_id: parent,
      status: 'active',
      listing: `alice/${base}`,
      version: '1.0.0',
      region: 'us-east-1',
      owner_checked: false,
      use_instead: null,
    });
    expect(items[1]).toMatchObject({ ami_id: unknown, status: 'unlisted', listing: null });
    const child0 = (await status([child]))[0]!;
    expect(child0.lineage).toMatchObject({
      parent_ami: parent,
      parent_listing: `alice/${base}@1.0.0`,
      parent: { listing: `alice/${base}`, version: '1.0.0', status: 'active' },
      revoked_ancestor: null,
    });
  });

  it('refuses bad input with 400', async () => {
    const res = await request(reg.url)
      .post('/api/v1/amis/status')
      .send({ ami_ids: ['not-an-ami'] });
    expect(res.status).toBe(400);
    expect((await request(reg.url).post('/api/v1/amis/status').send({ ami_ids: [] })).status).toBe(400);
  });

  it('after a revoke: the reason, what to use instead, and descendants flagged in status, detail and resolve', async () => {
    const { parent, child, grandchild, base, plus, baseTemplate, derivedTemplate } = await lineage();
    const parentV2 = fakeAmi();
    await request(reg.url)
      .post(`/api/v1/listings/alice/${base}/versions`)
      .set(auth(alice))
      .send({ version: '1.1.0', regions: [east(parentV2)] })
      .expect(201);
    await request(reg.url)
      .post(`/api/v1/listings/alice/${base}/versions/1.0.0/revoke`)
      .set(auth(alice))
      .send({ reason: 'credentials left in the image' })
      .expect(200);
    const [p, c, g] = await status([parent, child, grandchild]);
    expect(p).toMatchObject({
      status: 'revoked',
      reason: 'credentials left in the image',
      use_instead: { listing: `alice/${base}`, version: '1.1.0', ami_id: parentV2 },
    });
    expect(c!.lineage!.revoked_ancestor).toMatchObject({ listing: `alice/${base}`, version: '1.0.0', generations: 1 });
    expect(c!.lineage!.revoked_ancestor!.message).toMatch(/^built on a revoked image: credentials left in the image/);
    expect(g!.lineage!.revoked_ancestor).toMatchObject({ ami_id: parent, generations: 2 });

    const detail = listingDetail.parse((await request(reg.url).get(`/api/v1/listings/bob/${plus}`)).body);
    expect(detail.versions[0]!.lineage.revoked_ancestor?.reason).toBe('credentials left in the image');

    const page = await request(reg.url).get(`/l/bob/${plus}`);
    expect(page.text).toContain('built on a revoked image: credentials left in the image');

    // Only the descendants are derivedTemplate images: resolve warns by default, and a policy can refuse them.
    const warned = await request(reg.url).get(`/api/v1/resolve/${derivedTemplate}?region=us-east-1&count=false`);
    expect(warned.status).toBe(200);
    expect([child, grandchild]).toContain(warned.body.ami_id);
    expect(warned.body.warnings[0]).toMatch(/^built on a revoked image: credentials left in the image/);
    const blocked = await request(reg.url).get(
      `/api/v1/resolve/${derivedTemplate}?region=us-east-1&count=false&revoked_lineage=block`,
    );
    expect(blocked.status).toBe(404);
    expect(blocked.body.error.message).toContain('2 built on a revoked image (revoked_lineage=block)');
    const pythonMl = await request(reg.url).get(
      `/api/v1/resolve/${baseTemplate}?region=us-east-1&revoked_lineage=block`,
    );
    expect(pythonMl.body.ami_id).toBe(parentV2);
  });
});

describe('ratings and counts', () => {
  it('refuses a rating from the owner with 403 and a clear message', async () => {
    const { ami, name } = await countedListing();
    const res = await request(reg.url)
      .put(`/api/v1/listings/alice/${name}/rating`)
      .set(auth(alice))
      .send({ rating: 5 });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain(`you own alice/${name}; ratings come from people who use an image`);
    const seed = await request(reg.url).post(`/api/v1/community/amis/${ami}/rate`).set(auth(alice)).send({ rating: 5 });
    expect(seed.status).toBe(403);
  });

  it('counts repeated resolves from one identity once a day, and count=false not at all', async () => {
    const { name, template } = await countedListing();
    const resolve = (token?: string, extra = '') => {
      const r = request(reg.url).get(`/api/v1/resolve/${template}?region=us-east-1${extra}`);
      return token ? r.set(auth(token)) : r;
    };
    for (let i = 0; i < 3; i++) expect((await resolve(bob)).status).toBe(200);
    expect((await resolve(carol, '&count=false')).status).toBe(200);
    await reg.server.ctx.downloads.flush();
    for (let i = 0; i < 2; i++) await resolve(bob);
    await resolve(); // anonymous: counted by address
    await resolve();
    await reg.server.ctx.downloads.flush();
    const detail = (await request(reg.url).get(`/api/v1/listings/alice/${name}`)).body;
    expect(detail.download_count).toBe(2);
    expect(detail.versions[0].download_count).toBe(2);
  });

  it('counts a reported launch as a launch, once per identity a day, apart from downloads', async () => {
    const { ami, name, template } = await countedListing();
    // Two downloads first (bob's and carol's resolves), so the check below shows launches leave them alone.
    for (const token of [bob, carol]) {
      const r = await request(reg.url).get(`/api/v1/resolve/${template}?region=us-east-1`).set(auth(token));
      expect(r.body.ami_id).toBe(ami);
    }
    await reg.server.ctx.downloads.flush();
    const first = await request(reg.url)
      .post('/api/v1/launches')
      .set(auth(bob))
      .send({ ami_id: ami, region: 'us-east-1' });
    expect(first.status).toBe(200);
    expect(launchResult.parse(first.body)).toEqual({
      listing: `alice/${name}`,
      version: '1.0.0',
      counted: true,
      launch_count: 1,
      proven_account: false,
    });
    const again = await request(reg.url)
      .post('/api/v1/launches')
      .set(auth(bob))
      .send({ ami_id: ami, region: 'us-east-1' });
    expect(again.body).toMatchObject({ counted: false, launch_count: 1 });
    const unknown = await request(reg.url).post('/api/v1/launches').send({ ami_id: fakeAmi(), region: 'us-east-1' });
    expect(unknown.status).toBe(404);
    const detail = (await request(reg.url).get(`/api/v1/listings/alice/${name}`)).body;
    expect(detail.launch_count).toBe(1);
    expect(detail.versions[0].launch_count).toBe(1);
    expect(detail.download_count).toBe(2);
    // Not from a proven account: bob's rating has no "launched it" mark.
    const rated = await request(reg.url)
      .put(`/api/v1/listings/alice/${name}/rating`)
      .set(auth(bob))
      .send({ rating: 4 });
    expect(rated.status).toBe(200);
    const after = listingDetail.parse((await request(reg.url).get(`/api/v1/listings/alice/${name}`)).body);
    expect(after.reviews[0]).toMatchObject({ user: 'bob', launched: false });
    expect(after.ratings.launched_count).toBe(0);
  });

  it('changes visibility through the API, for the owner only', async () => {
    const { name } = await countedListing();
    const other = await request(reg.url)
      .put(`/api/v1/listings/alice/${name}/visibility`)
      .set(auth(bob))
      .send({ visibility: 'unlisted' });
    expect(other.status).toBe(403);
    const res = await request(reg.url)
      .put(`/api/v1/listings/alice/${name}/visibility`)
      .set(auth(alice))
      .send({ visibility: 'unlisted' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ listing: `alice/${name}`, visibility: 'unlisted' });
    expect((await request(reg.url).get(`/api/v1/listings/alice/${name}`)).body.visibility).toBe('unlisted');
    const bad = await request(reg.url)
      .put(`/api/v1/listings/alice/${name}/visibility`)
      .set(auth(alice))
      .send({ visibility: 'everyone' });
    expect(bad.status).toBe(400);
  });
});

function east(ami_id: string) {
  return { region: 'us-east-1', architecture: 'x86_64' as const, ami_id };
}
