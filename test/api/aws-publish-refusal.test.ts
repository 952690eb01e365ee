import { type AwsEmulator, DEFAULT_ACCOUNTS, type EmulatorAccount, startEmulator } from '@cws/aws-emulator';
import { errorBody, listingDetail, type PublishBody } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, fakeAmi, publishBody } from '../helpers/api.js';
import { awsConfig, presignCallerIdentity, REGISTRY_ID } from '../helpers/aws.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const { A, B } = DEFAULT_ACCOUNTS;
/** The registry's own AWS account: it sees public images and images shared with it. */
const REGISTRY: EmulatorAccount = {
  accessKeyId: 'AKIAEMULATORREGISTRY',
  secretAccessKey: 'emulatorSecretForTheRegistry000000000000',
  accountId: '999999999999',
  arn: 'arn:aws:iam::999999999999:user/cws-registry',
};

let emu: AwsEmulator;
let reg: TestRegistry;
let alice: string;
let bob: string;
let carol: string;
let maint: string;

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

async function proveAccount(token: string, account: EmulatorAccount) {
  const res = await request(reg.url)
    .post('/api/v1/auth/aws')
    .set(auth(token))
    .send(presignCallerIdentity(emu.url, account, { registryId: REGISTRY_ID }));
  if (res.status !== 200) throw new Error(`proof: ${res.status} ${JSON.stringify(res.body)}`);
}

type Images = Array<{ region: string; ami: string }>;

function body(name: string, images: Images): PublishBody {
  const b = publishBody(name, { template: `refusal-${name}` });
  b.version.regions = images.map((i) => ({ region: i.region, architecture: 'x86_64', ami_id: i.ami }));
  return b;
}

const post = (token: string, b: PublishBody) => request(reg.url).post('/api/v1/listings').set(auth(token)).send(b);

const postVersion = (token: string, ref: string, version: string, images: Images) =>
  request(reg.url)
    .post(`/api/v1/listings/${ref}/versions`)
    .set(auth(token))
    .send({
      version,
      regions: images.map((i) => ({ region: i.region, architecture: 'x86_64', ami_id: i.ami })),
    });

/** Row counts of everything a publish writes: a refusal must leave them all as they were. */
async function counts() {
  const db = reg.database.db;
  const n = async (table: 'images' | 'image_versions' | 'image_regions' | 'audit_log' | 'search_words') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    images: await n('images'),
    versions: await n('image_versions'),
    regions: await n('image_regions'),
    audit: await n('audit_log'),
    words: await n('search_words'),
  };
}

async function listing(ref: string, token = alice) {
  const res = await request(reg.url).get(`/api/v1/listings/${ref}`).set(auth(token));
  expect(res.status).toBe(200);
  return listingDetail.parse(res.body);
}

beforeAll(async () => {
  emu = await startEmulator({ seedCanonical: false, accounts: [A, B, REGISTRY] });
  reg = await startRegistry({
    config: {
      aws: awsConfig(emu, {
        verify: true,
        credentials: { accessKeyId: REGISTRY.accessKeyId, secretAccessKey: REGISTRY.secretAccessKey },
      }),
    },
  });
  alice = await createUser(reg, 'alice');
  bob = await createUser(reg, 'bob');
  carol = await createUser(reg, 'carol');
  maint = await createUser(reg, 'maint', 'maintainer');
  await proveAccount(alice, A);
  await proveAccount(bob, B);
  await reg.server.ctx.services.verification.idle();
});
afterAll(async () => {
  await reg?.close();
  await emu?.close();
});

describe('publishing refused before anything is written', () => {
  it('refuses bob’s listing of alice’s AMI with 403, names the region, writes nothing', async () => {
    const east = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'stolen', public: true });
    const west = emu.addImage({ region: 'eu-west-1', ownerAccount: B.accountId, name: 'bobs', public: true });
    const before = await counts();
    const res = await post(
      bob,
      body('stolen', [
        { region: 'eu-west-1', ami: west },
        { region: 'us-east-1', ami: east },
      ]),
    );
    expect(res.status).toBe(403);
    const err = errorBody.parse(res.body).error;
    expect(err.code).toBe('forbidden');
    expect(err.message).toMatch(
      /us-east-1: ami-[0-9a-f]+ is owned by account 111111111111, which is not a proven account of bob \(proven: 222222222222\)/,
    );
    expect(err.message).not.toMatch(/eu-west-1/);
    expect(err.details).toEqual([{ path: 'version.regions.1.ami_id', message: expect.stringContaining(east) }]);
    expect(await counts()).toEqual(before);
    expect((await request(reg.url).get('/api/v1/listings/bob/stolen').set(auth(bob))).status).toBe(404);
    const found = await request(reg.url).get('/api/v1/listings?q=stolen');
    expect(found.body.items.map((i: { name: string }) => i.name)).not.toContain('stolen');
  });

  it('refuses a publisher who proved no account', async () => {
    const ami = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'carols', public: true });
    const before = await counts();
    const res = await post(carol, body('carols', [{ region: 'us-east-1', ami }]));
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/carol has proven no AWS account \(cws login --aws\)/);
    expect(await counts()).toEqual(before);
  });

  it('refuses an AMI that does not exist in its region with 400', async () => {
    const real = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'real', public: true });
    const before = await counts();
    const res = await post(
      alice,
      body('ghost', [
        { region: 'us-east-1', ami: real },
        { region: 'eu-west-1', ami: real }, // exists, but in another region
        { region: 'us-west-2', ami: fakeAmi() },
      ]),
    );
    expect(res.status).toBe(400);
    const err = errorBody.parse(res.body).error;
    expect(err.code).toBe('validation_failed');
    expect(err.message).toMatch(/eu-west-1: ami-[0-9a-f]+ is not in eu-west-1 as far as the registry can see/);
    expect(err.message).toMatch(/us-west-2: ami-[0-9a-f]+ is not in us-west-2/);
    expect(err.details?.map((d) => d.path)).toEqual(['version.regions.1.ami_id', 'version.regions.2.ami_id']);
    expect(await counts()).toEqual(before);
  });

  it('prefers 403 when one region is someone else’s and another does not exist', async () => {
    const theirs = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'x', public: true });
    const res = await post(
      bob,
      body('both', [
        { region: 'us-east-1', ami: theirs },
        { region: 'eu-west-1', ami: fakeAmi() },
      ]),
    );
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(
      /us-east-1: .*owned by account 111111111111.*; eu-west-1: .*is not in eu-west-1/,
    );
    expect(res.body.error.details).toHaveLength(2);
  });

  it('accepts alice’s own AMI (201) and verifies it', async () => {
    const ami = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'mine', public: true });
    const res = await post(alice, body('mine', [{ region: 'us-east-1', ami }]));
    expect(res.status).toBe(201);
    await reg.server.ctx.services.verification.idle();
    const detail = await listing('alice/mine');
    expect(detail.verified).toBe(true);
    expect(detail.versions[0]!.regions[0]).toMatchObject({ state: 'available', verification: { status: 'verified' } });
  });

  it('checks new versions too: bob cannot add alice’s AMI to his listing; a maintainer can add alice’s to hers', async () => {
    const bobs = emu.addImage({ region: 'us-east-1', ownerAccount: B.accountId, name: 'b1', public: true });
    expect((await post(bob, body('tools', [{ region: 'us-east-1', ami: bobs }]))).status).toBe(201);
    // alice's listing of her own image, for the maintainer's new version below.
    const first = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'a1', public: true });
    expect((await post(alice, body('hers', [{ region: 'us-east-1', ami: first }]))).status).toBe(201);
    await reg.server.ctx.services.verification.idle();

    const alices = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'a2', public: true });
    const before = await counts();
    const refused = await postVersion(bob, 'bob/tools', '2.0.0', [{ region: 'us-east-1', ami: alices }]);
    expect(refused.status).toBe(403);
    expect(refused.body.error.details).toEqual([
      { path: 'regions.0.ami_id', message: expect.stringMatching(/^us-east-1: .*not a proven account of bob/) },
    ]);
    expect(await counts()).toEqual(before);
    expect((await listing('bob/tools', bob)).versions.map((v) => v.version)).toEqual(['1.0.0']);

    // The maintainer proved no account, but alice owns the listing and the image.
    const added = await postVersion(maint, 'alice/hers', '2.0.0', [{ region: 'us-east-1', ami: alices }]);
    expect(added.status).toBe(201);
    await reg.server.ctx.services.verification.idle();
    const v2 = (await listing('alice/hers')).versions.find((v) => v.version === '2.0.0')!;
    expect(v2.regions[0]!.verification.status).toBe('verified');

    // Not a maintainer of someone else's listing: 403 for the listing, before EC2 is asked.
    const asked = emu.requests.length;
    expect((await postVersion(carol, 'alice/hers', '3.0.0', [{ region: 'us-east-1', ami: alices }])).status).toBe(403);
    expect(emu.requests.length).toBe(asked);
  });

  // The injected faults this test does not use up are cleared by reset() in finally, so no later test sees them.
  it('accepts unchecked (201, pending then unverified) when EC2 cannot be asked', async () => {
    const ami = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'down', public: true });
    emu.failNext('DescribeImages', { code: 'InternalError', message: 'boom', status: 500 }, { times: 10 });
    try {
      const res = await post(bob, body('outage', [{ region: 'us-east-1', ami }]));
      expect(res.status).toBe(201);
      const region = listingDetail.parse(res.body).versions[0]!.regions[0]!;
      expect(region).toMatchObject({ state: 'pending', verification: { status: 'unverified' } });
      await reg.server.ctx.services.verification.idle();
      const after = (await listing('bob/outage', bob)).versions[0]!.regions[0]!;
      expect(after.verification.status).toBe('unverified');
      expect(after.verification.reason).toMatch(/EC2 in us-east-1 did not answer \(InternalError\)/);
    } finally {
      emu.reset();
    }
  });
});
