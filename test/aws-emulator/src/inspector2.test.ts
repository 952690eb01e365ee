import {
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  GetImageFindingsCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  BatchGetAccountStatusCommand,
  EnableCommand,
  Inspector2Client,
  ListCoverageCommand,
  type ListCoverageCommandOutput,
  ListFindingsCommand,
} from '@aws-sdk/client-inspector2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AwsEmulator } from './index.js';
import { DEFAULT_ACCOUNTS, sdkConfig, startEmulator } from './index.js';

const { A, B } = DEFAULT_ACCOUNTS;
let emu: AwsEmulator;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  emu = await startEmulator({ seedCanonical: false, instanceTransitionMs: 50, inspectorScanAfterMs: 400 });
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

const severities = ['CRITICAL', 'HIGH', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED'] as const;

describe('Inspector2 account status and coverage', () => {
  it('is off until enabled: AccessDeniedException, then Enable turns EC2 scanning on', async () => {
    const inspector = new Inspector2Client({ ...sdkConfig(emu, A), maxAttempts: 1 });
    const before = await inspector.send(new BatchGetAccountStatusCommand({ accountIds: [A.accountId] }));
    expect(before.accounts?.[0]?.resourceState?.ec2?.status).toBe('DISABLED');
    await expect(inspector.send(new ListCoverageCommand({}))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(inspector.send(new EnableCommand({ resourceTypes: [] }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    const enabled = await inspector.send(new EnableCommand({ resourceTypes: ['EC2'] }));
    expect(enabled.accounts?.[0]).toMatchObject({ accountId: A.accountId, resourceStatus: { ec2: 'ENABLING' } });
    const after = await inspector.send(new BatchGetAccountStatusCommand({}));
    expect(after.accounts?.[0]?.resourceState?.ec2?.status).toBe('ENABLED');
    // Per region: still off elsewhere.
    const west = new Inspector2Client({ ...sdkConfig(emu, A, 'eu-west-1'), maxAttempts: 1 });
    await expect(west.send(new ListFindingsCommand({}))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('covers a running instance, scans it some time later, then lists its AMI’s findings page by page', async () => {
    emu.setInspector(B.accountId, 'us-east-1', 'ENABLED');
    const image = emu.addImage({
      region: 'us-east-1',
      ownerAccount: A.accountId,
      name: 'x',
      launchPermissions: [B.accountId],
    });
    emu.addFindings(
      image,
      severities.map((severity, i) => ({
        severity,
        title: `CVE-2026-100${i} - libfoo`,
        packageName: 'libfoo',
        installedVersion: '1.2.3',
        fixedVersion: i % 2 === 0 ? '1.2.4' : undefined,
      })),
    );
    emu.addFindings(image, [{ severity: 'CRITICAL', title: 'CVE-2026-9999 - other region' }], 'eu-west-1');
    const ec2 = new EC2Client(sdkConfig(emu, B));
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: image,
        MinCount: 1,
        MaxCount: 1,
        InstanceType: 't3.small',
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'cws:scan', Value: '7' }] }],
      }),
    );
    const instanceId = run.Instances![0]!.InstanceId!;
    const inspector = new Inspector2Client(sdkConfig(emu, B));
    const byId = { resourceId: [{ comparison: 'EQUALS' as const, value: instanceId }] };
    // Covered once running, pending its first scan; scanned inspectorScanAfterMs later.
    const statuses: string[] = [];
    let pending: ListCoverageCommandOutput | undefined;
    for (;;) {
      const cov = await inspector.send(new ListCoverageCommand({ filterCriteria: byId }));
      const reason = cov.coveredResources?.[0]?.scanStatus?.reason ?? 'not covered';
      if (statuses.at(-1) !== reason) statuses.push(reason);
      if (reason === 'PENDING_INITIAL_SCAN') pending ??= cov;
      if (reason === 'SUCCESSFUL') break;
      await sleep(20);
    }
    expect(statuses.slice(-2)).toEqual(['PENDING_INITIAL_SCAN', 'SUCCESSFUL']);
    expect(pending?.coveredResources?.[0]).toMatchObject({
      resourceId: instanceId,
      resourceType: 'AWS_EC2_INSTANCE',
      scanStatus: { statusCode: 'ACTIVE', reason: 'PENDING_INITIAL_SCAN' },
      resourceMetadata: { ec2: { amiId: image, tags: { 'cws:scan': '7' } } },
    });
    const done = await inspector.send(new ListCoverageCommand({ filterCriteria: byId }));
    expect(done.coveredResources?.[0]?.scanStatus).toEqual({ statusCode: 'ACTIVE', reason: 'SUCCESSFUL' });
    expect(done.coveredResources?.[0]?.lastScannedAt).toBeInstanceOf(Date);

    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const r = await inspector.send(
        new ListFindingsCommand({
          filterCriteria: { ec2InstanceImageId: [{ comparison: 'EQUALS', value: image }], ...byId },
          maxResults: 3,
          nextToken,
        }),
      );
      pages++;
      for (const f of r.findings ?? []) {
        expect(f.resources?.[0]).toMatchObject({ id: instanceId, details: { awsEc2Instance: { imageId: image } } });
        expect(f.packageVulnerabilityDetails?.vulnerablePackages?.[0]).toMatchObject({
          name: 'libfoo',
          version: '1.2.3',
        });
        expect(f.firstObservedAt).toBeInstanceOf(Date);
        seen.push(`${f.severity}/${f.packageVulnerabilityDetails?.vulnerabilityId}/${f.fixAvailable}`);
      }
      nextToken = r.nextToken;
    } while (nextToken);
    expect(pages).toBe(3);
    expect(seen).toEqual(severities.map((s, i) => `${s}/CVE-2026-100${i}/${i % 2 === 0 ? 'YES' : 'NO'}`));
    const critical = await inspector.send(
      new ListFindingsCommand({ filterCriteria: { severity: [{ comparison: 'EQUALS', value: 'CRITICAL' }] } }),
    );
    expect(critical.findings?.map((f) => f.title)).toEqual(['CVE-2026-1000 - libfoo']);
    // Another account's instance of the same AMI is not B's finding.
    expect((await new Inspector2Client(sdkConfig(emu, A)).send(new ListFindingsCommand({})).catch((e) => e)).name).toBe(
      'AccessDeniedException',
    );
  });

  it('reports an unsupported OS as INACTIVE, rejects bad filters and pages, and can throttle', async () => {
    emu.setInspector(A.accountId, 'us-east-1', 'ENABLED');
    const image = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'win' });
    emu.markUnsupported(image);
    const ec2 = new EC2Client(sdkConfig(emu, A));
    await ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, InstanceType: 't3.small' }));
    await sleep(100);
    const inspector = new Inspector2Client({ ...sdkConfig(emu, A), maxAttempts: 1 });
    const cov = await inspector.send(new ListCoverageCommand({}));
    expect(cov.coveredResources?.[0]?.scanStatus).toEqual({ statusCode: 'INACTIVE', reason: 'UNSUPPORTED_OS' });
    await expect(inspector.send(new ListFindingsCommand({ maxResults: 101 }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(inspector.send(new ListCoverageCommand({ nextToken: 'zz!' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    emu.failNext('ListFindings', { code: 'ThrottlingException', message: 'Rate exceeded', status: 429 });
    await expect(inspector.send(new ListFindingsCommand({}))).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 429 },
    });
  });
});

describe('EC2 for scan instances', () => {
  it('GetImageFindings returns findings of AMIs Inspector already scanned, for whoever can see the AMI', async () => {
    const image = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'seen', public: true });
    emu.addFindings(image, [
      {
        severity: 'HIGH',
        title: 'CVE-2026-2000 - openssl',
        packageName: 'openssl',
        fixedVersion: '3.0.3',
        imageScanned: true,
      },
      { severity: 'LOW', title: 'CVE-2026-2001 - zlib', packageName: 'zlib', imageScanned: true },
      { severity: 'CRITICAL', title: 'CVE-2026-2002 - only via instance' },
    ]);
    const ec2 = new EC2Client({ ...sdkConfig(emu, B), maxAttempts: 1 });
    const r = await ec2.send(new GetImageFindingsCommand({ ImageId: image, MaxResults: 1 }));
    expect(r.ImageFindings).toEqual([
      expect.objectContaining({
        Title: 'CVE-2026-2000 - openssl',
        SeverityLabel: 'high',
        FixAvailable: true,
        Score: 7.5,
      }),
    ]);
    const rest = await ec2.send(new GetImageFindingsCommand({ ImageId: image, NextToken: r.NextToken }));
    expect(rest.ImageFindings?.map((f) => [f.SeverityLabel, f.FixAvailable])).toEqual([['low', false]]);
    expect(rest.NextToken).toBeUndefined();
    const hidden = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'hidden' });
    await expect(ec2.send(new GetImageFindingsCommand({ ImageId: hidden }))).rejects.toMatchObject({
      name: 'InvalidAMIID.NotFound',
    });
    await expect(ec2.send(new GetImageFindingsCommand({ ImageId: 'ami-nope' }))).rejects.toMatchObject({
      name: 'InvalidAMIID.Malformed',
    });
  });

  it('makes a security group with no ingress in the subnet’s VPC, and launches into it with IMDSv2', async () => {
    const image = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'sg' });
    const ec2 = new EC2Client({ ...sdkConfig(emu, A), maxAttempts: 1 });
    const { Subnets } = await ec2.send(new DescribeSubnetsCommand({}));
    const subnet = Subnets![0]!;
    await expect(ec2.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-00000000'] }))).rejects.toMatchObject({
      name: 'InvalidSubnetID.NotFound',
    });
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'cws-scan', Description: 'no ingress', VpcId: subnet.VpcId }),
    );
    await expect(
      ec2.send(new CreateSecurityGroupCommand({ GroupName: 'cws-scan', Description: 'again', VpcId: subnet.VpcId })),
    ).rejects.toMatchObject({ name: 'InvalidGroup.Duplicate' });
    const { SecurityGroups } = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['cws-scan'] }] }),
    );
    expect(SecurityGroups?.[0]).toMatchObject({ GroupId, IpPermissions: [], VpcId: subnet.VpcId });
    await expect(
      ec2.send(
        new RunInstancesCommand({
          ImageId: image,
          MinCount: 1,
          MaxCount: 1,
          InstanceType: 't3.small',
          SecurityGroupIds: ['sg-00000000'],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidGroup.NotFound' });
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: image,
        MinCount: 1,
        MaxCount: 1,
        InstanceType: 't3.small',
        SubnetId: subnet.SubnetId,
        SecurityGroupIds: [GroupId!],
        MetadataOptions: { HttpTokens: 'required' },
        InstanceInitiatedShutdownBehavior: 'terminate',
      }),
    );
    expect(run.Instances?.[0]?.SecurityGroups?.map((g) => g.GroupId)).toEqual([GroupId]);
    expect(emu.listInstances('us-east-1')[0]).toMatchObject({
      securityGroupIds: [GroupId],
      httpTokens: 'required',
      instanceInitiatedShutdownBehavior: 'terminate',
    });
  });
});

describe('control endpoint', () => {
  it('seeds findings with POST /_emulator/findings and says what is wrong with bad input', async () => {
    const image = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'ctl', public: true });
    const post = (body: unknown) =>
      fetch(`${emu.url}/_emulator/findings`, { method: 'POST', body: JSON.stringify(body) });
    const ok = await post({
      image_id: image,
      region: 'us-east-1',
      image_scanned: true,
      findings: [
        {
          vulnerability_id: 'CVE-2026-3000',
          severity: 'critical',
          package_name: 'sudo',
          installed_version: '1.9.1',
          fixed_version: '1.9.2',
        },
      ],
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ image_id: image, region: 'us-east-1', added: 1 });
    const r = await new EC2Client(sdkConfig(emu, B)).send(new GetImageFindingsCommand({ ImageId: image }));
    expect(r.ImageFindings?.[0]).toMatchObject({ Title: 'CVE-2026-3000 - sudo', SeverityLabel: 'critical' });
    const wrong = await post({
      image_id: image,
      region: 'us-east-1',
      findings: [{ vulnerability_id: 'x', severity: 'HIGH' }],
    });
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error).toMatch(/vulnerability_id/);
  });
});
