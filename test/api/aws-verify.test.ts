import { type AwsEmulator, DEFAULT_ACCOUNTS, type EmulatorAccount, startEmulator } from '@cws/aws-emulator';
import { listingDetail, type PublishBody, resolveResult, versionVerification } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, publish, publishBody } from '../helpers/api.js';
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

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

async function proveAccount(token: string, account: EmulatorAccount) {
  const res = await request(reg.url)
    .post('/api/v1/auth/aws')
    .set(auth(token))
    .send(presignCallerIdentity(emu.url, account, { registryId: REGISTRY_ID }));
  if (res.status !== 200) throw new Error(`proof: ${res.status} ${JSON.stringify(res.body)}`);
}

/** A listing of one version whose regions map to these images; waits for the background check. */
async function publishImages(
  token: string,
  name: string,
  template: string,
  images: Array<{ region: string; ami: string; architecture?: 'x86_64' | 'arm64' }>,
  overrides: Partial<PublishBody> = {},
) {
  const body = publishBody(name, { template, ...overrides });
  body.version.regions = images.map((i) => ({
    region: i.region,
    architecture: i.architecture ?? 'x86_64',
    ami_id: i.ami,
  }));
  const published = listingDetail.parse(await publish(reg, token, body));
  await reg.server.ctx.services.verification.idle();
  return published;
}

async function listing(ref: string, token = alice) {
  const res = await request(reg.url).get(`/api/v1/listings/${ref}`).set(auth(token));
  expect(res.status).toBe(200);
  return listingDetail.parse(res.body);
}

const resolve = (template: string, region = 'us-east-1') =>
  request(reg.url).get(`/api/v1/resolve/${template}?region=${region}`);

const verify = (ref: string, version: string, token: string) =>
  request(reg.url).post(`/api/v1/listings/${ref}/versions/${version}/verify`).set(auth(token));

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
  await proveAccount(alice, A);
  await proveAccount(bob, B);
  await reg.server.ctx.services.verification.idle();
});
afterAll(async () => {
  await reg?.close();
  await emu?.close();
});

describe('verification of published AMIs', () => {
  it('knows its own account once started', async () => {
    const info = await request(reg.url).get('/api/v1/auth/aws');
    expect(info.body.verification).toEqual({ enabled: true, reason: null, account_id: '999999999999' });
  });

  it('verifies alice’s public AMIs owned by her proven account A, region by region', async () => {
    const east = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'torch-1', public: true });
    const west = emu.addImage({ region: 'eu-west-1', ownerAccount: A.accountId, name: 'torch-1', public: true });
    await publishImages(alice, 'torch', 'verify-torch', [
      { region: 'us-east-1', ami: east },
      { region: 'eu-west-1', ami: west },
    ]);
    const detail = await listing('alice/torch');
    expect(detail.verified).toBe(true);
    for (const r of detail.versions[0]!.regions) {
      expect(r).toMatchObject({ state: 'available', owner_account: A.accountId, verification: { status: 'verified' } });
      expect(r.verification.reason).toMatch(/owned by 111111111111, an account alice proved/);
      expect(r.verification.checked_at).not.toBeNull();
    }
    const checks = await reg.database.db.selectFrom('verifications').selectAll().execute();
    expect(checks.filter((c) => c.status === 'verified').length).toBeGreaterThanOrEqual(2);
    expect(checks[0]!.details).toMatchObject({ owner_id: A.accountId, registry_account: '999999999999' });

    const res = await resolve('verify-torch');
    expect(res.status).toBe(200);
    const body = resolveResult.parse(res.body);
    expect(body).toMatchObject({ ami_id: east, listing: { verified: true }, verification: { status: 'verified' } });
  });

  it('refuses bob’s listing of alice’s AMI at publish (403), never resolved', async () => {
    const ami = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'stolen', public: true });
    const body = publishBody('stolen', { template: 'verify-stolen' });
    body.version.regions = [{ region: 'us-east-1', architecture: 'x86_64', ami_id: ami }];
    const res = await request(reg.url).post('/api/v1/listings').set(auth(bob)).send(body);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(
      /us-east-1: ami-[0-9a-f]+ is owned by account 111111111111, which is not a proven account of bob \(proven: 222222222222\)/,
    );
    expect((await request(reg.url).get('/api/v1/listings/bob/stolen').set(auth(bob))).status).toBe(404);
    expect((await resolve('verify-stolen')).status).toBe(404);
  });

  it('refuses AMIs of publishers who proved no account at publish (403)', async () => {
    const ami = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'carols', public: true });
    const body = publishBody('carols', { template: 'verify-carol' });
    body.version.regions = [{ region: 'us-east-1', architecture: 'x86_64', ami_id: ami }];
    const res = await request(reg.url).post('/api/v1/listings').set(auth(carol)).send(body);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/carol has proven no AWS account \(cws login --aws\)/);
  });

  it('fails a wrong architecture and a public listing of an image that is not public', async () => {
    const arm = emu.addImage({
      region: 'us-east-1',
      ownerAccount: A.accountId,
      name: 'a',
      architecture: 'arm64',
      public: true,
    });
    const shared = emu.addImage({
      region: 'us-west-2',
      ownerAccount: A.accountId,
      name: 'b',
      launchPermissions: [REGISTRY.accountId],
    });
    await publishImages(alice, 'mixed', 'verify-mixed', [
      { region: 'us-east-1', ami: arm, architecture: 'x86_64' },
      { region: 'us-west-2', ami: shared },
    ]);
    const [east, west] = (await listing('alice/mixed')).versions[0]!.regions.slice().sort((x, y) =>
      x.region.localeCompare(y.region),
    );
    expect(east!.verification.reason).toMatch(/is arm64, listed as x86_64/);
    expect(west!.verification.reason).toMatch(/the listing is public but ami-[0-9a-f]+ is not launchable by everyone/);
    expect(east!.state).toBe('unavailable');
    expect(west!.state).toBe('unavailable');
  });

  it('verifies an unlisted listing of an image shared with the registry, not public', async () => {
    const ami = emu.addImage({
      region: 'us-east-1',
      ownerAccount: A.accountId,
      name: 'lab',
      launchPermissions: [REGISTRY.accountId, B.accountId],
    });
    await publishImages(alice, 'lab', 'verify-lab', [{ region: 'us-east-1', ami }], { visibility: 'unlisted' });
    const region = (await listing('alice/lab')).versions[0]!.regions[0]!;
    expect(region.verification.status).toBe('verified');
    expect(region.verification.reason).toMatch(/launchable by its owner and accounts it is shared with/);
  });

  it('holds an image pending in EC2 back until it is available', async () => {
    const ami = emu.addImage({
      region: 'us-east-1',
      ownerAccount: A.accountId,
      name: 'copy',
      public: true,
      state: 'pending',
    });
    await publishImages(alice, 'copying', 'verify-pending', [{ region: 'us-east-1', ami }]);
    const region = (await listing('alice/copying')).versions[0]!.regions[0]!;
    expect(region).toMatchObject({ state: 'pending', verification: { status: 'unverified' } });
    expect(region.verification.reason).toMatch(/still pending in EC2/);
    expect((await resolve('verify-pending')).status).toBe(404);

    emu.getImage('us-east-1', ami)!.state = 'available';
    const res = await verify('alice/copying', '1.0.0', alice);
    expect(res.status).toBe(200);
    const body = versionVerification.parse(res.body);
    expect(body).toMatchObject({ listing: 'alice/copying', listing_verified: true, aws: true });
    expect(body.regions[0]).toMatchObject({ state: 'available', verification: { status: 'verified' } });
    expect((await resolve('verify-pending')).status).toBe(200);
  });
});

describe('re-verification', () => {
  it('marks an AMI made private on demand, and resolve stops returning it', async () => {
    const ami = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'shy', public: true });
    await publishImages(alice, 'shy', 'verify-private', [{ region: 'us-east-1', ami }]);
    expect((await resolve('verify-private')).body.ami_id).toBe(ami);

    emu.getImage('us-east-1', ami)!.public = false; // A removes the public launch permission
    const res = await verify('alice/shy', '1.0.0', alice);
    expect(res.status).toBe(200);
    const region = versionVerification.parse(res.body).regions[0]!;
    expect(region).toMatchObject({ state: 'unavailable', verification: { status: 'failed' } });
    expect(region.verification.reason).toMatch(/not in us-east-1 as far as the registry can see/);
    expect((await listing('alice/shy')).verified).toBe(false);
    expect((await resolve('verify-private')).status).toBe(404);
  });

  it('marks a deregistered AMI in the scheduled pass', async () => {
    const ami = emu.addImage({ region: 'eu-central-1', ownerAccount: A.accountId, name: 'gone', public: true });
    await publishImages(alice, 'gone', 'verify-gone', [{ region: 'eu-central-1', ami }]);
    expect((await resolve('verify-gone', 'eu-central-1')).status).toBe(200);

    emu.getImage('eu-central-1', ami)!.state = 'deregistered';
    const checked = await reg.server.ctx.services.verification.verifyAll();
    expect(checked).toBeGreaterThan(0);
    const region = (await listing('alice/gone')).versions[0]!.regions[0]!;
    expect(region).toMatchObject({ state: 'unavailable', verification: { status: 'failed' } });
    expect((await resolve('verify-gone', 'eu-central-1')).status).toBe(404);
    const history = await reg.database.db
      .selectFrom('verifications as v')
      .innerJoin('image_regions as r', 'r.id', 'v.region_image_id')
      .select(['v.status'])
      .where('r.ami_id', '=', ami)
      .orderBy('v.id')
      .execute();
    expect(history.map((h) => h.status)).toEqual(['verified', 'failed']);
  });

  it('lets the owner, maintainers and admins verify; others get 403, revoked versions 409', async () => {
    const ami = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'perm', public: true });
    await publishImages(alice, 'perm', 'verify-perm', [{ region: 'us-east-1', ami }]);
    expect((await verify('alice/perm', '1.0.0', bob)).status).toBe(403);
    expect((await verify('alice/perm', '9.9.9', alice)).status).toBe(404);
    expect((await verify('alice/perm', '1.0.0', reg.adminToken)).status).toBe(200);
    await request(reg.url)
      .post('/api/v1/listings/alice/perm/versions/1.0.0/revoke')
      .set(auth(alice))
      .send({ reason: 'test' });
    expect((await verify('alice/perm', '1.0.0', alice)).status).toBe(409);
    const audit = await reg.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'version.verify')
      .execute();
    expect(audit.length).toBeGreaterThanOrEqual(1);
  });
});

describe('without AWS credentials', () => {
  it('still runs; listings stay unverified and say why', async () => {
    const reg2 = await startRegistry({
      config: {
        aws: awsConfig(emu, {
          verify: true,
          credentials: () => Promise.reject(new Error('Could not load credentials from any providers')),
        }),
      },
    });
    try {
      const token = await createUser(reg2, 'dana');
      const body = publishBody('offline', { template: 'verify-offline' });
      await publish(reg2, token, body);
      await reg2.server.ctx.services.verification.idle();
      const res = await request(reg2.url).get('/api/v1/listings/dana/offline');
      const region = listingDetail.parse(res.body).versions[0]!.regions[0]!;
      expect(region).toMatchObject({ state: 'available', verification: { status: 'unverified' } });
      expect(region.verification.reason).toMatch(/the registry has no AWS access \(no AWS credentials: Could not load/);
      const info = await request(reg2.url).get('/api/v1/auth/aws');
      expect(info.body.verification).toMatchObject({ enabled: false, account_id: null });
      const v = await request(reg2.url)
        .post(`/api/v1/listings/dana/offline/versions/${body.version.version}/verify`)
        .set(auth(token));
      expect(v.status).toBe(200);
      expect(v.body).toMatchObject({ aws: false, regions: [{ verification: { status: 'unverified' } }] });
      // Still resolvable, with a warning: the registry could not check it.
      const resolved = await request(reg2.url).get('/api/v1/resolve/verify-offline?region=us-east-1');
      expect(resolved.status).toBe(200);
      expect(resolved.body.warnings.join(' ')).toMatch(/not verified/);
    } finally {
      await reg2.close();
    }
  });
});
