import { importResult } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, fakeAmi } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

let reg: TestRegistry;
beforeAll(async () => {
  reg = await startRegistry();
});
afterAll(() => reg?.close());

const amiA = fakeAmi();
const amiB = fakeAmi();
const index = {
  'python-ml': {
    'torch-mirror': {
      version: '1.0.0',
      creator: 'mirror-bot',
      description: 'PyTorch mirrored',
      regions: { 'us-east-1': amiA },
    },
  },
  'r-research': {
    'r-arm': {
      version: '4.4',
      creator: 'rstats',
      description: 'R on Graviton',
      architecture: 'arm64',
      regions: { 'eu-west-1': amiB },
    },
  },
};
const admin = () => ({ Authorization: `Bearer ${reg.adminToken}` });

describe('import of a registry index', () => {
  it('creates users, listings and versions from JSON, then changes nothing the second time', async () => {
    const first = await request(reg.url).post('/api/v1/admin/import').set(admin()).send(index);
    expect(first.status).toBe(200);
    expect(importResult.parse(first.body)).toEqual({
      users_created: 2,
      listings_created: 2,
      versions_created: 2,
      regions_added: 2,
      unchanged: 0,
      conflicts: [],
    });
    const again = await request(reg.url).post('/api/v1/admin/import').set(admin()).send(index);
    expect(again.body).toEqual({
      users_created: 0,
      listings_created: 0,
      versions_created: 0,
      regions_added: 0,
      unchanged: 2,
      conflicts: [],
    });
    const detail = (await request(reg.url).get('/api/v1/listings/rstats/r-arm')).body;
    expect(detail.versions[0].regions[0]).toMatchObject({ region: 'eu-west-1', architecture: 'arm64', ami_id: amiB });
  });

  it('reads YAML, adds new regions to existing versions and reports conflicting ones', async () => {
    const newRegion = fakeAmi();
    const yaml = [
      'python-ml:',
      '  torch-mirror:',
      '    version: "1.0.0"',
      '    creator: mirror-bot',
      '    description: PyTorch mirrored',
      '    regions:',
      `      us-east-1: ${fakeAmi()}`,
      `      us-west-2: ${newRegion}`,
    ].join('\n');
    const res = await request(reg.url)
      .post('/api/v1/admin/import')
      .set(admin())
      .set('Content-Type', 'application/yaml')
      .send(yaml);
    expect(res.status).toBe(200);
    expect(res.body.regions_added).toBe(1);
    expect(res.body.conflicts).toHaveLength(1);
    expect(res.body.conflicts[0]).toMatch(/us-east-1\/x86_64: has ami-/);
    const detail = (await request(reg.url).get('/api/v1/listings/mirror-bot/torch-mirror')).body;
    expect(detail.versions[0].regions.map((r: { ami_id: string }) => r.ami_id)).toEqual([amiA, newRegion]);
  });

  it('rejects invalid indexes whole, naming the bad entry, and changes nothing', async () => {
    const before = await reg.database.db
      .selectFrom('images')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const bad = {
      'python-ml': {
        good: { version: '1', creator: 'someone', regions: { 'us-east-1': fakeAmi() } },
        broken: { version: '1', creator: 'someone', regions: { 'us-east-1': 'ami-nope' } },
      },
    };
    const res = await request(reg.url).post('/api/v1/admin/import').set(admin()).send(bad);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('python-ml.broken.regions.us-east-1');
    const yaml = await request(reg.url)
      .post('/api/v1/admin/import')
      .set(admin())
      .set('Content-Type', 'application/yaml')
      .send('a: [unclosed');
    expect(yaml.status).toBe(400);
    expect((await request(reg.url).post('/api/v1/admin/import').set(admin()).send([1, 2])).status).toBe(400);
    const after = await reg.database.db
      .selectFrom('images')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('is for admins only', async () => {
    const token = await createUser(reg, 'nobody');
    expect(
      (await request(reg.url).post('/api/v1/admin/import').set('Authorization', `Bearer ${token}`).send(index)).status,
    ).toBe(403);
    expect((await request(reg.url).post('/api/v1/admin/import').send(index)).status).toBe(401);
  });
});
