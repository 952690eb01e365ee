import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsEmulator, EmulatorAccount } from './index.js';
import { DEFAULT_ACCOUNTS, sdkConfig, startEmulator } from './index.js';

let emu: AwsEmulator;
beforeAll(async () => {
  emu = await startEmulator({ seedCanonical: false });
});
afterAll(() => emu.close());

const { A, B } = DEFAULT_ACCOUNTS;

function signer(account: EmulatorAccount, service = 'sts', region = 'us-east-1') {
  return new SignatureV4({
    service,
    region,
    credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey },
    sha256: Hash.bind(null, 'sha256'),
  });
}

/** The request a client would hand to the registry: GetCallerIdentity with the registry id inside the signature. */
function callerIdentityRequest(registryId: string, method: 'GET' | 'POST' = 'GET'): HttpRequest {
  const url = new URL(emu.url);
  const form = 'Action=GetCallerIdentity&Version=2011-06-15';
  return new HttpRequest({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query: method === 'GET' ? { Action: 'GetCallerIdentity', Version: '2011-06-15' } : {},
    headers: {
      host: url.host,
      'x-cws-registry-id': registryId,
      ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } : {}),
    },
    ...(method === 'POST' ? { body: form } : {}),
  });
}

/** Encodes like the SDK's HTTP handler (RFC 3986, repeated keys for arrays). */
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
function urlOf(req: { path: string; query?: Record<string, unknown> }): string {
  const qs = Object.entries(req.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${rfc3986(k)}=${rfc3986(String(x))}`))
    .join('&');
  return `${emu.url}${req.path}${qs ? `?${qs}` : ''}`;
}

describe('SigV4 authentication', () => {
  it('maps each access key to its account (STS GetCallerIdentity for A and B)', async () => {
    const a = await new STSClient(sdkConfig(emu, A)).send(new GetCallerIdentityCommand({}));
    const b = await new STSClient(sdkConfig(emu, B, 'eu-west-1')).send(new GetCallerIdentityCommand({}));
    expect(a).toMatchObject({ Account: '111111111111', Arn: 'arn:aws:iam::111111111111:user/alice' });
    expect(a.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(b).toMatchObject({ Account: '222222222222', Arn: 'arn:aws:iam::222222222222:user/bob' });
  });

  it('rejects a wrong secret with SignatureDoesNotMatch on EC2 and STS', async () => {
    const bad = { ...A, secretAccessKey: 'not-the-secret' };
    const ec2 = new EC2Client({ ...sdkConfig(emu, bad), maxAttempts: 1 });
    await expect(ec2.send(new DescribeRegionsCommand({}))).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      $metadata: { httpStatusCode: 403 },
    });
    const sts = new STSClient({ ...sdkConfig(emu, bad), maxAttempts: 1 });
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
  });

  it('rejects unknown access keys with each service’s own error', async () => {
    const stranger = { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x', accountId: '333333333333' };
    await expect(
      new EC2Client({ ...sdkConfig(emu, stranger), maxAttempts: 1 }).send(new DescribeRegionsCommand({})),
    ).rejects.toMatchObject({ name: 'AuthFailure', $metadata: { httpStatusCode: 401 } });
    await expect(
      new STSClient({ ...sdkConfig(emu, stranger), maxAttempts: 1 }).send(new GetCallerIdentityCommand({})),
    ).rejects.toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
    expect(emu.requests.at(-1)).toMatchObject({ service: 'sts', action: 'GetCallerIdentity', accountId: null });
  });

  it('canonicalizes odd paths, repeated keys and reserved characters the way the SDK signs them', async () => {
    const url = new URL(emu.url);
    const req = new HttpRequest({
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: '/some%20dir/a-b_c~d',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15', z: ['2', '1'], q: "a b+c/é!'()*" },
      headers: { host: url.host, 'x-extra': '  spaced   value ' },
    });
    for (const signed of [await signer(A).sign(req), await signer(A).presign(req, { expiresIn: 30 })]) {
      const headers = { ...signed.headers };
      delete headers.host;
      const res = await fetch(urlOf(signed), { headers });
      expect(await res.text()).toContain('<Account>111111111111</Account>');
    }
  });

  it('refuses unsigned requests', async () => {
    const res = await fetch(`${emu.url}/?Action=GetCallerIdentity&Version=2011-06-15`);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<Code>MissingAuthenticationToken</Code>');
  });
});

describe('forwarded GetCallerIdentity (account proof)', () => {
  it('accepts a presigned URL with a signed x-cws-registry-id header and refuses it tampered', async () => {
    const presigned = await signer(B).presign(callerIdentityRequest('registry-1'), { expiresIn: 60 });
    const url = urlOf(presigned);
    expect(url).toContain('X-Amz-SignedHeaders=host%3Bx-cws-registry-id');

    const ok = await fetch(url, { headers: { 'x-cws-registry-id': 'registry-1' } });
    expect(ok.status).toBe(200);
    const xml = await ok.text();
    expect(xml).toContain('<Account>222222222222</Account>');
    expect(xml).toContain('<Arn>arn:aws:iam::222222222222:user/bob</Arn>');

    const json = await fetch(url, { headers: { 'x-cws-registry-id': 'registry-1', accept: 'application/json' } });
    expect(await json.json()).toMatchObject({
      GetCallerIdentityResponse: { GetCallerIdentityResult: { Account: '222222222222' } },
    });

    for (const headers of [{ 'x-cws-registry-id': 'registry-2' }, {}] as Array<Record<string, string>>) {
      const bad = await fetch(url, { headers });
      expect(bad.status).toBe(403);
      expect(await bad.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    }
    const tamperedQuery = await fetch(url.replace('Version=2011-06-15', 'Version=2011-06-16'), {
      headers: { 'x-cws-registry-id': 'registry-1' },
    });
    expect(tamperedQuery.status).toBe(403);
  });

  it('refuses an expired presigned URL', async () => {
    const presigned = await signer(A).presign(callerIdentityRequest('registry-1'), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 5 * 60_000),
    });
    const res = await fetch(urlOf(presigned), { headers: { 'x-cws-registry-id': 'registry-1' } });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/SignatureDoesNotMatch.*expired/s);
  });

  it('accepts a header-signed POST replayed verbatim, and refuses a changed body or header', async () => {
    const signed = await signer(A).sign(callerIdentityRequest('registry-1', 'POST'));
    const headers = { ...signed.headers };
    delete headers.host;
    const send = (h: Record<string, string>, body = signed.body as string) =>
      fetch(emu.url, { method: 'POST', headers: h, body });
    const ok = await send(headers);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('<Account>111111111111</Account>');
    expect((await send({ ...headers, 'x-cws-registry-id': 'other' })).status).toBe(403);
    expect((await send(headers, 'Action=GetCallerIdentity&Version=2011-06-15&X=1')).status).toBe(403);
  });

  it('refuses a header-signed request older than 15 minutes', async () => {
    const signed = await signer(A).sign(callerIdentityRequest('r', 'POST'), {
      signingDate: new Date(Date.now() - 20 * 60_000),
    });
    const headers = { ...signed.headers };
    delete headers.host;
    const res = await fetch(emu.url, { method: 'POST', headers, body: signed.body as string });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Signature expired');
  });
});
