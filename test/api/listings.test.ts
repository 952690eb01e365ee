import { listingDetail, versionDetail } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, fakeAmi, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

let reg: TestRegistry;
let alice: string;
let bob: string;
let maint: string;
beforeAll(async () => {
  reg = await startRegistry();
  alice = await createUser(reg, 'alice');
  bob = await createUser(reg, 'bob');
  maint = await createUser(reg, 'maint', 'maintainer');
});
afterAll(() => reg?.close());

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

/**
 * A listing of alice's with versions 1.0.0, 1.1.0 (alice) and 1.2.0 (added by a maintainer), and 1.2.0 revoked when
 * asked: each test that changes versions, channels or the audit trail starts from its own, in any order.
 */
async function torchListing(name: string, opts: { revoke?: boolean } = {}): Promise<string> {
  await publish(reg, alice, publishBody(name));
  const path = `/api/v1/listings/alice/${name}`;
  for (const [version, token] of [
    ['1.1.0', alice],
    ['1.2.0', maint],
  ] as const) {
    const res = await request(reg.url)
      .post(`${path}/versions`)
      .set(auth(token))
      .send({ version, regions: [{ region: 'us-east-1', architecture: 'x86_64', ami_id: fakeAmi() }] });
    expect(res.status).toBe(201);
  }
  if (opts.revoke) {
    const res = await request(reg.url)
      .post(`${path}/versions/1.2.0/revoke`)
      .set(auth(alice))
      .send({ reason: 'leaked key' });
    expect(res.status).toBe(200);
  }
  return path;
}

describe('publishing and versions', () => {
  it('publishes a listing with its first version, owned by the token’s user', async () => {
    const body = publishBody('torch', { tags: ['python', 'gpu'] }, ['us-east-1', 'eu-west-1']);
    const res = await request(reg.url).post('/api/v1/listings').set(auth(alice)).send(body);
    expect(res.status).toBe(201);
    const detail = listingDetail.parse(res.body);
    expect(detail).toMatchObject({
      ref: 'alice/torch',
      owner: 'alice',
      template: 'python-ml',
      latest_version: '1.0.0',
    });
    expect(detail.regions).toEqual(['eu-west-1', 'us-east-1']);
    expect(detail.versions[0]!.regions[0]!.verification.status).toBe('unverified');
    // No scan result yet. The scan job queued by the publish may already have run and been refused (no AWS here: a
    // failed scan by 'none') before the answer was read back, most often on PostgreSQL; it never completes here.
    const scan = detail.versions[0]!.regions[0]!.scan;
    if (scan !== null) expect(scan).toMatchObject({ scanner: 'none', status: 'failed' });
    const audit = await reg.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'listing.publish')
      .where('target', 'like', 'alice/torch@%')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.target).toBe('alice/torch@1.0.0');
  });

  it('refuses a second listing with the same name (409) and leaves nothing behind', async () => {
    await publish(reg, alice, publishBody('twice'));
    const before = await reg.database.db
      .selectFrom('image_versions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const res = await request(reg.url).post('/api/v1/listings').set(auth(alice)).send(publishBody('twice'));
    expect(res.status).toBe(409);
    const after = await reg.database.db
      .selectFrom('image_versions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('validates every field with a message naming it', async () => {
    const cases: Array<[unknown, string]> = [
      [{ ...publishBody('x'), name: 'Bad Name' }, 'body.name'],
      [{ ...publishBody('x'), template: '' }, 'body.template'],
      [
        { ...publishBody('x'), version: { version: '1', regions: [{ region: 'mars-1', ami_id: fakeAmi() }] } },
        'body.version.regions.0.region',
      ],
      [
        { ...publishBody('x'), version: { version: '1', regions: [{ region: 'us-east-1', ami_id: 'ami-xyz' }] } },
        'body.version.regions.0.ami_id',
      ],
      [
        {
          ...publishBody('x'),
          version: { version: '1', regions: [{ region: 'us-east-1', ami_id: 'ami-0123456789abcdef' }] },
        },
        'body.version.regions.0.ami_id',
      ],
      [{ ...publishBody('x'), version: { version: '1', regions: [] } }, 'body.version.regions'],
      [{ ...publishBody('x'), visibility: 'secret' }, 'body.visibility'],
      [{ ...publishBody('x'), surprise: 1 }, 'body'],
    ];
    for (const [body, path] of cases) {
      const res = await request(reg.url)
        .post('/api/v1/listings')
        .set(auth(alice))
        .send(body as object);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    const dupRegion = publishBody('dup-region');
    dupRegion.version.regions.push({ ...dupRegion.version.regions[0]!, ami_id: fakeAmi() });
    const dup = await request(reg.url).post('/api/v1/listings').set(auth(alice)).send(dupRegion);
    expect(dup.status).toBe(400);
    expect((await request(reg.url).get('/api/v1/listings/alice/dup-region')).status).toBe(404);
  });

  it('adds versions: owner yes, maintainer yes, someone else 403, duplicate 409, missing listing 404', async () => {
    await publish(reg, alice, publishBody('torch-versions'));
    const v2 = {
      version: '1.1.0',
      changelog: 'CUDA 12.6',
      regions: [{ region: 'us-east-1', architecture: 'x86_64', ami_id: fakeAmi() }],
    };
    const res = await request(reg.url).post('/api/v1/listings/alice/torch-versions/versions').set(auth(alice)).send(v2);
    expect(res.status).toBe(201);
    expect(versionDetail.parse(res.body)).toMatchObject({
      version: '1.1.0',
      changelog: 'CUDA 12.6',
      created_by: 'alice',
    });
    expect(
      (await request(reg.url).post('/api/v1/listings/alice/torch-versions/versions').set(auth(alice)).send(v2)).status,
    ).toBe(409);
    const byBob = await request(reg.url)
      .post('/api/v1/listings/alice/torch-versions/versions')
      .set(auth(bob))
      .send({ ...v2, version: '9' });
    expect(byBob.status).toBe(403);
    const byMaint = await request(reg.url)
      .post('/api/v1/listings/alice/torch-versions/versions')
      .set(auth(maint))
      .send({ ...v2, version: '1.2.0' });
    expect(byMaint.status).toBe(201);
    expect((await request(reg.url).post('/api/v1/listings/alice/nope/versions').set(auth(alice)).send(v2)).status).toBe(
      404,
    );
    expect((await request(reg.url).post('/api/v1/listings/alice/torch-versions/versions').send(v2)).status).toBe(401);
    const detail = (await request(reg.url).get('/api/v1/listings/alice/torch-versions')).body;
    expect(detail.versions.map((v: { version: string }) => v.version)).toEqual(['1.2.0', '1.1.0', '1.0.0']);
    expect(detail.latest_version).toBe('1.2.0');
  });

  it('deprecates and revokes (revocation needs a reason and is final)', async () => {
    await torchListing('torch-status');
    const dep = await request(reg.url)
      .post('/api/v1/listings/alice/torch-status/versions/1.0.0/deprecate')
      .set(auth(alice))
      .send({ reason: 'old driver' });
    expect(dep.status).toBe(200);
    expect(dep.body).toMatchObject({ status: 'deprecated', status_reason: 'old driver' });
    expect(
      (
        await request(reg.url)
          .post('/api/v1/listings/alice/torch-status/versions/1.0.0/deprecate')
          .set(auth(alice))
          .send({})
      ).status,
    ).toBe(409);
    const noReason = await request(reg.url)
      .post('/api/v1/listings/alice/torch-status/versions/1.2.0/revoke')
      .set(auth(alice))
      .send({});
    expect(noReason.status).toBe(400);
    expect(
      (
        await request(reg.url)
          .post('/api/v1/listings/alice/torch-status/versions/1.2.0/revoke')
          .set(auth(bob))
          .send({ reason: 'x' })
      ).status,
    ).toBe(403);
    const rev = await request(reg.url)
      .post('/api/v1/listings/alice/torch-status/versions/1.2.0/revoke')
      .set(auth(alice))
      .send({ reason: 'leaked key' });
    expect(rev.status).toBe(200);
    expect(rev.body).toMatchObject({ status: 'revoked', status_reason: 'leaked key' });
    expect(
      (
        await request(reg.url)
          .post('/api/v1/listings/alice/torch-status/versions/1.2.0/deprecate')
          .set(auth(alice))
          .send({})
      ).status,
    ).toBe(409);
    expect(
      (
        await request(reg.url)
          .post('/api/v1/listings/alice/torch-status/versions/7.7.7/revoke')
          .set(auth(alice))
          .send({ reason: 'x' })
      ).status,
    ).toBe(404);
    const detail = (await request(reg.url).get('/api/v1/listings/alice/torch-status')).body;
    expect(detail.latest_version).toBe('1.1.0');
  });

  it('points channels at versions and never at a revoked one', async () => {
    await torchListing('torch-channels', { revoke: true });
    const set = await request(reg.url)
      .put('/api/v1/listings/alice/torch-channels/channels/stable')
      .set(auth(alice))
      .send({ version: '1.1.0' });
    expect(set.status).toBe(200);
    expect((await request(reg.url).get('/api/v1/listings/alice/torch-channels')).body.channels).toEqual({
      stable: '1.1.0',
    });
    expect(
      (
        await request(reg.url)
          .put('/api/v1/listings/alice/torch-channels/channels/beta')
          .set(auth(alice))
          .send({ version: '1.2.0' })
      ).status,
    ).toBe(409);
    expect(
      (
        await request(reg.url)
          .put('/api/v1/listings/alice/torch-channels/channels/Bad_Name')
          .set(auth(alice))
          .send({ version: '1.1.0' })
      ).status,
    ).toBe(400);
    expect(
      (
        await request(reg.url)
          .put('/api/v1/listings/alice/torch-channels/channels/stable')
          .set(auth(bob))
          .send({ version: '1.1.0' })
      ).status,
    ).toBe(403);
    expect(
      (await request(reg.url).delete('/api/v1/listings/alice/torch-channels/channels/stable').set(auth(alice))).status,
    ).toBe(204);
    expect(
      (await request(reg.url).delete('/api/v1/listings/alice/torch-channels/channels/stable').set(auth(alice))).status,
    ).toBe(404);
  });

  it('hides private listings from everyone but their owner and maintainers', async () => {
    await publish(reg, bob, publishBody('secret', { visibility: 'private' }));
    expect((await request(reg.url).get('/api/v1/listings/bob/secret')).status).toBe(404);
    expect((await request(reg.url).get('/api/v1/listings/bob/secret').set(auth(alice))).status).toBe(404);
    expect((await request(reg.url).get('/api/v1/listings/bob/secret').set(auth(bob))).status).toBe(200);
    expect((await request(reg.url).get('/api/v1/listings/bob/secret').set(auth(maint))).status).toBe(200);
    const search = await request(reg.url).get('/api/v1/listings?q=secret');
    expect(search.body.items).toEqual([]);
    const mine = await request(reg.url).get('/api/v1/listings?owner=bob').set(auth(bob));
    expect(mine.body.items.map((i: { name: string }) => i.name)).toContain('secret');
  });

  it('keeps an audit trail of who did what, readable by the owner and maintainers only', async () => {
    const path = await torchListing('torch-audit', { revoke: true });
    const channel = `${path}/channels/stable`;
    expect((await request(reg.url).put(channel).set(auth(alice)).send({ version: '1.1.0' })).status).toBe(200);
    expect((await request(reg.url).delete(channel).set(auth(alice))).status).toBe(204);
    const res = await request(reg.url).get(`${path}/audit?limit=50`).set(auth(alice));
    expect(res.status).toBe(200);
    const actions = res.body.items.map(
      (e: { actor: string; action: string; target: string }) => `${e.actor} ${e.action} ${e.target}`,
    );
    expect(actions).toContain('alice listing.publish alice/torch-audit@1.0.0');
    expect(actions).toContain('maint version.add alice/torch-audit@1.2.0');
    expect(actions).toContain('alice version.revoke alice/torch-audit@1.2.0');
    expect(actions[0]).toBe('alice channel.delete alice/torch-audit#stable');
    expect((await request(reg.url).get(`${path}/audit`).set(auth(maint))).status).toBe(200);
    expect((await request(reg.url).get(`${path}/audit`).set(auth(bob))).status).toBe(403);
    expect((await request(reg.url).get(`${path}/audit`)).status).toBe(401);
  });

  it('answers bad path parameters with 400 and missing listings with 404', async () => {
    expect((await request(reg.url).get('/api/v1/listings/Alice!/torch')).status).toBe(400);
    expect((await request(reg.url).get('/api/v1/listings/alice/none')).status).toBe(404);
  });
});
