import { CopyImageCommand, DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetParameterCommand, GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AwsEmulator } from './index.js';
import {
  CANONICAL_ACCOUNT,
  CANONICAL_REGIONS,
  DEFAULT_ACCOUNTS,
  sdkConfig,
  startEmulator,
  ubuntuParameter,
} from './index.js';

const { A, B } = DEFAULT_ACCOUNTS;
let emu: AwsEmulator;

beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

describe('SSM public parameters', () => {
  it('points the Canonical 24.04 parameters at the newest public Canonical image in each region', async () => {
    for (const region of CANONICAL_REGIONS) {
      const ssm = new SSMClient(sdkConfig(emu, B, region));
      for (const arch of ['amd64', 'arm64'] as const) {
        const { Parameter } = await ssm.send(new GetParameterCommand({ Name: ubuntuParameter(arch) }));
        expect(Parameter).toMatchObject({ Name: ubuntuParameter(arch), Type: 'String', DataType: 'aws:ec2:image' });
        const img = emu.getImage(region, Parameter?.Value as string);
        expect(img).toMatchObject({
          ownerId: CANONICAL_ACCOUNT,
          public: true,
          architecture: arch === 'amd64' ? 'x86_64' : 'arm64',
        });
        expect(img?.name).toBe(`ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${arch}-server-20261101`);
      }
    }
  });

  it('answers GetParameters, setParameter and ParameterNotFound', async () => {
    const ssm = new SSMClient({ ...sdkConfig(emu, A, 'ap-south-1'), maxAttempts: 1 });
    await expect(ssm.send(new GetParameterCommand({ Name: ubuntuParameter('amd64') }))).rejects.toMatchObject({
      name: 'ParameterNotFound',
      $metadata: { httpStatusCode: 400 },
    });
    emu.setParameter('ap-south-1', '/cws/latest', 'ami-0123456789abcdef0');
    const r = await ssm.send(new GetParametersCommand({ Names: ['/cws/latest', '/cws/missing'] }));
    expect(r.Parameters?.map((p) => p.Value)).toEqual(['ami-0123456789abcdef0']);
    expect(r.InvalidParameters).toEqual(['/cws/missing']);
  });
});

describe('fault injection, latency and the request log', () => {
  it('failNext breaks one action in one region, the given number of times', async () => {
    const src = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'src' });
    emu.failNext(
      'CopyImage',
      { code: 'ResourceLimitExceeded', message: 'too many copies' },
      { region: 'eu-central-1', times: 2 },
    );
    const copy = (region: string) =>
      new EC2Client({ ...sdkConfig(emu, A, region), maxAttempts: 1 }).send(
        new CopyImageCommand({
          SourceRegion: 'us-east-1',
          SourceImageId: src,
          Name: `copy-${region}-${Math.random()}`,
        }),
      );
    await expect(copy('eu-central-1')).rejects.toMatchObject({
      name: 'ResourceLimitExceeded',
      message: 'too many copies',
    });
    await expect(copy('eu-west-1')).resolves.toMatchObject({ ImageId: expect.stringMatching(/^ami-/) });
    await expect(copy('eu-central-1')).rejects.toMatchObject({ name: 'ResourceLimitExceeded' });
    await expect(copy('eu-central-1')).resolves.toMatchObject({ ImageId: expect.stringMatching(/^ami-/) });
    expect(emu.requests.filter((r) => r.action === 'CopyImage').map((r) => r.region)).toEqual([
      'eu-central-1',
      'eu-west-1',
      'eu-central-1',
      'eu-central-1',
    ]);
  });

  it('a 5xx fault is retried by the SDK; STS and other services fail in their own format', async () => {
    emu.failNext('DescribeImages', { code: 'InternalError', message: 'boom', status: 500 });
    const ec2 = new EC2Client({ ...sdkConfig(emu, A), maxAttempts: 2 });
    await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));
    expect(emu.requests.filter((r) => r.action === 'DescribeImages')).toHaveLength(2);

    emu.failNext('GetCallerIdentity', { code: 'AccessDenied', message: 'nope', status: 403 });
    const sts = new STSClient({ ...sdkConfig(emu, B), maxAttempts: 1 });
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'nope',
    });
    await expect(sts.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Account: B.accountId });
  });

  it('setLatency delays an action; reset clears state, faults and the log', async () => {
    emu.setLatency('GetCallerIdentity', 200);
    const sts = new STSClient(sdkConfig(emu, A));
    const t0 = Date.now();
    await sts.send(new GetCallerIdentityCommand({}));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(emu.requests).toEqual([
      { service: 'sts', action: 'GetCallerIdentity', region: 'us-east-1', accountId: A.accountId },
    ]);

    const img = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'temp' });
    emu.failNext('DescribeImages', { code: 'X', message: 'y' });
    emu.reset();
    expect(emu.requests).toEqual([]);
    expect(emu.getImage('us-east-1', img)).toBeUndefined();
    const t1 = Date.now();
    await sts.send(new GetCallerIdentityCommand({}));
    expect(Date.now() - t1).toBeLessThan(150);
    const r = await new EC2Client(sdkConfig(emu, A)).send(new DescribeImagesCommand({ Owners: [CANONICAL_ACCOUNT] }));
    expect(r.Images).toHaveLength(4);
  });

  it('works through AWS_ENDPOINT_URL with no endpoint option', async () => {
    const saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = emu.url;
    try {
      const { endpoint: _ignored, ...noEndpoint } = sdkConfig(emu, B, 'us-west-2');
      const r = await new STSClient(noEndpoint).send(new GetCallerIdentityCommand({}));
      expect(r.Account).toBe(B.accountId);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = saved;
    }
  });
});
