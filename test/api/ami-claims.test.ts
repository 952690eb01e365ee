import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, fakeAmi, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

let reg: TestRegistry;
let alice: string;
let mallory: string;
beforeAll(async () => {
  reg = await startRegistry();
  alice = await createUser(reg, 'alice');
  mallory = await createUser(reg, 'mallory');
});
afterAll(() => reg?.close());
const auth = (t: string) => ({ Authorization: `Bearer ${t}` });

let seq = 0;
/** alice's listing of its own holding a fresh AMI at 1.0.0, for one test: no test relies on another's claims. */
async function lab() {
  const name = `lab-${++seq}`;
  const ami = fakeAmi();
  await publish(reg, alice, publishBody(name, { version: { version: '1.0.0', regions: [region(ami)] } }));
  return { name, ami };
}
const addVersion = (name: string, version: string, ami: string) =>
  request(reg.url)
    .post(`/api/v1/listings/alice/${name}/versions`)
    .set(auth(alice))
    .send({ version, regions: [region(ami)] });

describe('one AMI id belongs to one listing version', () => {
  it('refuses a second listing claiming an AMI another owner holds, with 409 naming the holder', async () => {
    const { name, ami } = await lab();
    const res = await request(reg.url)
      .post('/api/v1/listings')
      .set(auth(mallory))
      .send(publishBody('copycat', { version: { version: '1.0.0', regions: [region(ami)] } }));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('conflict');
    expect(res.body.error.message).toContain(`${ami} is already published as alice/${name}@1.0.0`);
    // Nothing was written: mallory has no listing.
    expect((await request(reg.url).get('/api/v1/listings/mallory/copycat')).status).toBe(404);
  });

  it('lets the same owner move an AMI to a new version, and the old version lets go of it', async () => {
    const { name, ami } = await lab();
    const res = await addVersion(name, '1.1.0', ami);
    expect(res.status).toBe(201);
    const detail = (await request(reg.url).get(`/api/v1/listings/alice/${name}`)).body;
    const byVersion = Object.fromEntries(
      detail.versions.map((v: { version: string; regions: { ami_id: string }[] }) => [
        v.version,
        v.regions.map((r) => r.ami_id),
      ]),
    );
    expect(byVersion).toEqual({ '1.1.0': [ami], '1.0.0': [] });
    const log = (await request(reg.url).get(`/api/v1/listings/alice/${name}/audit`).set(auth(alice))).body;
    expect(log.items.map((i: { action: string }) => i.action)).toContain('ami.move');
  });

  it('never moves an AMI out of a revoked version', async () => {
    const { name } = await lab();
    const { name: old, ami: other } = await lab();
    await request(reg.url)
      .post(`/api/v1/listings/alice/${old}/versions/1.0.0/revoke`)
      .set(auth(alice))
      .send({ reason: 'leaked key' })
      .expect(200);
    const res = await addVersion(name, '2.0.0', other);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('is revoked; a revoked image cannot be published again');
  });

  it('refuses one AMI twice in one version', async () => {
    const twice = fakeAmi();
    const res = await request(reg.url)
      .post('/api/v1/listings')
      .set(auth(mallory))
      .send(
        publishBody('twice', {
          version: { version: '1.0.0', regions: [region(twice), { ...region(twice), region: 'us-west-2' }] },
        }),
      );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('listed twice');
  });

  it('rates the one listing that holds an AMI by the seed endpoint', async () => {
    const { name, ami } = await lab();
    const res = await request(reg.url)
      .post(`/api/v1/community/amis/${ami}/rate`)
      .set(auth(mallory))
      .send({ rating: 4 });
    expect(res.status).toBe(200);
    expect(res.body.listing).toBe(`alice/${name}`);
  });

  it('reports an import entry claiming a held AMI as a conflict and imports the rest', async () => {
    // The AMI is held by 1.1.0, having moved there from 1.0.0.
    const { name, ami } = await lab();
    expect((await addVersion(name, '1.1.0', ami)).status).toBe(201);
    const fresh = fakeAmi();
    const res = await request(reg.url)
      .post('/api/v1/admin/import')
      .set(auth(reg.adminToken))
      .send({
        'python-ml': {
          mirror: {
            version: '1.0',
            creator: 'mirror-bot',
            description: 'mirror',
            regions: { 'us-east-1': ami, 'us-west-2': fresh },
          },
        },
      });
    expect(res.status).toBe(200);
    expect(res.body.conflicts).toEqual([
      `mirror-bot/mirror@1.0 us-east-1/x86_64: ${ami} is already published as alice/${name}@1.1.0`,
    ]);
    expect(res.body.regions_added).toBe(1);
  });
});

function region(ami_id: string) {
  return { region: 'us-east-1', architecture: 'x86_64' as const, ami_id };
}
