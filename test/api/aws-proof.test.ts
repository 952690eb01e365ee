import { type AwsEmulator, DEFAULT_ACCOUNTS, startEmulator } from '@cws/aws-emulator';
import { awsAuthInfo, awsProofResult, userInfo } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../helpers/api.js';
import { awsConfig, presignCallerIdentity, REGISTRY_ID, signCallerIdentityPost } from '../helpers/aws.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const { A, B } = DEFAULT_ACCOUNTS;

let emu: AwsEmulator;
let reg: TestRegistry;
let alice: string;
let bob: string;

beforeAll(async () => {
  emu = await startEmulator({ seedCanonical: false });
  reg = await startRegistry({ config: { aws: awsConfig(emu) } });
  alice = await createUser(reg, 'alice');
  bob = await createUser(reg, 'bob');
});
afterAll(async () => {
  await reg?.close();
  await emu?.close();
});

const prove = (body: object, token?: string) => {
  const req = request(reg.url).post('/api/v1/auth/aws');
  return (token ? req.set('Authorization', `Bearer ${token}`) : req).send(body);
};
const stsCalls = () => emu.requests.filter((r) => r.service === 'sts').length;
const audits = (action: string) =>
  reg.database.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id').execute();

describe('proof of an AWS account', () => {
  it('tells clients what to sign', async () => {
    const res = await request(reg.url).get('/api/v1/auth/aws');
    expect(res.status).toBe(200);
    expect(awsAuthInfo.parse(res.body)).toMatchObject({
      registry_id: REGISTRY_ID,
      header: 'x-cws-registry-id',
      sts_endpoints: [emu.url],
      max_age_seconds: 900,
      verification: { enabled: false },
    });
  });

  it('links account A to alice with a presigned GetCallerIdentity, and audits it', async () => {
    const res = await prove(presignCallerIdentity(emu.url, A, { registryId: REGISTRY_ID }), alice);
    expect(res.status).toBe(200);
    const body = awsProofResult.parse(res.body);
    expect(body).toMatchObject({
      account_id: '111111111111',
      arn: 'arn:aws:iam::111111111111:user/alice',
      linked: true,
      user_created: false,
      token: null,
    });
    expect(body.user.handle).toBe('alice');
    expect(body.user.aws_accounts.map((a) => a.account_id)).toEqual(['111111111111']);
    const me = await request(reg.url).get('/api/v1/me').set('Authorization', `Bearer ${alice}`);
    expect(userInfo.parse(me.body).aws_accounts[0]).toMatchObject({ account_id: '111111111111' });
    const links = await audits('aws_account.link');
    expect(links).toHaveLength(1);
    expect(links[0]).toMatchObject({ target: 'aws:111111111111' });
    expect(links[0]!.details).toMatchObject({ arn: 'arn:aws:iam::111111111111:user/alice' });
  });

  it('accepts a header-signed POST too; a second proof of a linked account re-proves it', async () => {
    const res = await prove(signCallerIdentityPost(emu.url, A, { registryId: REGISTRY_ID }), alice);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ account_id: '111111111111', linked: false });
    expect(await audits('aws_account.prove')).toHaveLength(1);
  });

  it('refuses to link an account that another user holds (409)', async () => {
    const res = await prove(presignCallerIdentity(emu.url, A, { registryId: REGISTRY_ID }), bob);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/linked to another user/);
  });

  it('refuses the same signed request twice', async () => {
    const proof = presignCallerIdentity(emu.url, B, { registryId: REGISTRY_ID });
    expect((await prove(proof, bob)).status).toBe(200);
    const again = await prove(proof, bob);
    expect(again.status).toBe(401);
    expect(again.body.error.message).toMatch(/used already/);
  });

  it('refuses B’s proof made for another registry, as is or with the header rewritten', async () => {
    const before = stsCalls();
    const other = presignCallerIdentity(emu.url, B, { registryId: 'other-registry.example' });
    const asIs = await prove(other);
    expect(asIs.status).toBe(401);
    expect(asIs.body.error.message).toMatch(/signed for registry "other-registry.example"/);
    expect(stsCalls()).toBe(before); // never forwarded

    const rewritten = await prove({ ...other, headers: { 'x-cws-registry-id': REGISTRY_ID } });
    expect(rewritten.status).toBe(401);
    expect(rewritten.body.error.message).toMatch(/STS did not accept it: SignatureDoesNotMatch/);
  });

  it('refuses a tampered header or body (STS checks the signature)', async () => {
    const signed = signCallerIdentityPost(emu.url, B, { registryId: REGISTRY_ID });
    const later = signed.headers['x-amz-date']!.replace(/\dZ$/, (d) => `${(Number(d[0]) + 1) % 10}Z`);
    const header = await prove({ ...signed, headers: { ...signed.headers, 'x-amz-date': later } });
    expect(header.status).toBe(401);
    expect(header.body.error.message).toMatch(/SignatureDoesNotMatch/);

    const fresh = signCallerIdentityPost(emu.url, B, { registryId: REGISTRY_ID });
    const body = await prove({ ...fresh, body: 'Version=2011-06-15&Action=GetCallerIdentity' });
    expect(body.status).toBe(401);
    expect(body.body.error.message).toMatch(/SignatureDoesNotMatch/);
  });

  it('refuses other actions and extra parameters before asking STS (400)', async () => {
    const before = stsCalls();
    const assume = await prove(presignCallerIdentity(emu.url, B, { registryId: REGISTRY_ID, action: 'AssumeRole' }));
    expect(assume.status).toBe(400);
    expect(assume.body.error.message).toMatch(/only sts:GetCallerIdentity .* asks for AssumeRole/);

    const proof = presignCallerIdentity(emu.url, B, { registryId: REGISTRY_ID });
    const extra = await prove({ ...proof, url: `${proof.url}&RoleArn=x` });
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toMatch(/RoleArn is not allowed/);

    const post = signCallerIdentityPost(emu.url, B, { registryId: REGISTRY_ID, action: 'GetSessionToken' });
    expect((await prove(post)).status).toBe(400);
    expect(stsCalls()).toBe(before);
  });

  it('refuses hosts outside the STS allow-list without contacting them', async () => {
    const before = emu.requests.length;
    const port = new URL(emu.url).port;
    for (const endpoint of [`http://localhost:${port}`, 'https://sts.evil.example.com', 'http://169.254.169.254']) {
      const res = await prove(presignCallerIdentity(endpoint, B, { registryId: REGISTRY_ID }));
      expect(res.status, endpoint).toBe(400);
      expect(res.body.error.message).toMatch(/is not an STS endpoint this registry sends proofs to/);
    }
    expect(emu.requests.length).toBe(before);
  });

  it('refuses stale proofs, future-dated ones and ones without the registry id signed', async () => {
    const stale = await prove(
      presignCallerIdentity(emu.url, B, {
        registryId: REGISTRY_ID,
        signedAt: new Date(Date.now() - 20 * 60_000),
        expiresIn: 3600,
      }),
    );
    expect(stale.status).toBe(401);
    expect(stale.body.error.message).toMatch(/more than 15 minutes ago/);

    const future = await prove(
      presignCallerIdentity(emu.url, B, { registryId: REGISTRY_ID, signedAt: new Date(Date.now() + 30 * 60_000) }),
    );
    expect(future.status).toBe(401);

    const unsigned = await prove(
      presignCallerIdentity(emu.url, B, { registryId: REGISTRY_ID, unsignedRegistryId: true }),
    );
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error.message).toMatch(/x-cws-registry-id must be one of the signed headers/);
  });

  it('validates the body shape', async () => {
    const res = await prove({ method: 'PUT', url: 'x', headers: {} });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    const notUrl = await prove({ method: 'GET', url: 'not a url', headers: {} });
    expect(notUrl.status).toBe(400);
  });
});

describe('cws login --aws (no token)', () => {
  it('logs in as the user who linked the account', async () => {
    const res = await prove({
      ...presignCallerIdentity(emu.url, A, { registryId: REGISTRY_ID }),
      token_name: 'laptop',
    });
    expect(res.status).toBe(200);
    const body = awsProofResult.parse(res.body);
    expect(body).toMatchObject({ user: { handle: 'alice' }, user_created: false, linked: false });
    expect(body.token).toMatchObject({ name: 'laptop', scopes: ['rate', 'publish'] });
    const me = await request(reg.url).get('/api/v1/me').set('Authorization', `Bearer ${body.token!.token}`);
    expect(me.body.handle).toBe('alice');
  });

  it('creates a user for an unknown account, with a free handle from the ARN', async () => {
    const carol = { accessKeyId: 'AKIAEMULATORCCCCCCCC', secretAccessKey: 'c'.repeat(40), accountId: '333333333333' };
    const emu2 = await startEmulator({
      seedCanonical: false,
      accounts: [{ ...carol, arn: 'arn:aws:sts::333333333333:assumed-role/AWSReservedSSO_Dev_0123/bob@example.org' }],
    });
    const reg2 = await startRegistry({ config: { aws: awsConfig(emu2) } });
    try {
      await createUser(reg2, 'bob');
      const res = await request(reg2.url)
        .post('/api/v1/auth/aws')
        .send(presignCallerIdentity(emu2.url, carol, { registryId: REGISTRY_ID }));
      expect(res.status).toBe(200);
      const body = awsProofResult.parse(res.body);
      expect(body).toMatchObject({
        user: { handle: 'bob-2' },
        user_created: true,
        linked: true,
        account_id: '333333333333',
      });
      expect(body.token?.token).toMatch(/^cws_/);
      const again = await request(reg2.url)
        .post('/api/v1/auth/aws')
        .send(presignCallerIdentity(emu2.url, carol, { registryId: REGISTRY_ID }));
      expect(again.body).toMatchObject({ user: { handle: 'bob-2' }, user_created: false });
    } finally {
      await reg2.close();
      await emu2.close();
    }
  });

  it('does not create users when signup is off', async () => {
    const reg2 = await startRegistry({ config: { aws: awsConfig(emu, { signup: false }) } });
    try {
      const res = await request(reg2.url)
        .post('/api/v1/auth/aws')
        .send(presignCallerIdentity(emu.url, B, { registryId: REGISTRY_ID }));
      expect(res.status).toBe(403);
      expect(res.body.error.message).toMatch(/does not create users from AWS proofs/);
    } finally {
      await reg2.close();
    }
  });
});
