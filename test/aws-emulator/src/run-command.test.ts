import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateImageCommand,
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  ListCommandInvocationsCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AwsEmulator } from './index.js';
import { canonicalImageId, DEFAULT_ACCOUNTS, sdkConfig, startEmulator } from './index.js';

const { A, B } = DEFAULT_ACCOUNTS;
let emu: AwsEmulator;
const ec2 = () => new EC2Client(sdkConfig(emu, A, 'us-east-1'));
const ssm = (account = A) => new SSMClient(sdkConfig(emu, account, 'us-east-1'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  emu = await startEmulator({ instanceTransitionMs: 50, ssmAgentOnlineAfterMs: 100, imageAvailableAfterMs: 50 });
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

async function launch(opts: { profile?: boolean; imageId?: string } = {}): Promise<string> {
  const out = await ec2().send(
    new RunInstancesCommand({
      ImageId: opts.imageId ?? canonicalImageId('us-east-1', 'amd64', '20261101'),
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      MetadataOptions: { HttpTokens: 'required' },
      ...(opts.profile === false ? {} : { IamInstanceProfile: { Name: 'cws-ssm' } }),
    }),
  );
  return out.Instances?.[0]?.InstanceId as string;
}

async function online(id: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const out = await ssm().send(
      new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [id] }] }),
    );
    if (out.InstanceInformationList?.[0]?.PingStatus === 'Online') return;
    await sleep(50);
  }
  throw new Error(`${id} never came online`);
}

async function run(
  id: string,
  commands: string[],
  executionTimeout?: string,
): Promise<GetCommandInvocationCommandOutput> {
  const sent = await ssm().send(
    new SendCommandCommand({
      InstanceIds: [id],
      DocumentName: 'AWS-RunShellScript',
      Parameters: { commands, ...(executionTimeout ? { executionTimeout: [executionTimeout] } : {}) },
    }),
  );
  const commandId = sent.Command?.CommandId as string;
  expect(sent.Command?.Status).toBe('Pending');
  for (;;) {
    const inv = await ssm().send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: id }));
    if (!['Pending', 'InProgress', 'Delayed'].includes(inv.Status ?? '')) return inv;
    await sleep(30);
  }
}

describe('SSM Run Command', () => {
  it('registers the agent only for running instances with an instance profile', async () => {
    const withProfile = await launch();
    const without = await launch({ profile: false });
    await online(withProfile);
    const info = await ssm().send(new DescribeInstanceInformationCommand({}));
    expect(info.InstanceInformationList?.map((i) => i.InstanceId)).toEqual([withProfile]);
    expect(info.InstanceInformationList?.[0]).toMatchObject({ PlatformType: 'Linux', ResourceType: 'EC2Instance' });
    await expect(
      ssm().send(
        new SendCommandCommand({
          InstanceIds: [without],
          DocumentName: 'AWS-RunShellScript',
          Parameters: { commands: ['true'] },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidInstanceId' });
    // Another account sees neither the instance nor its agent.
    const other = await ssm(B).send(new DescribeInstanceInformationCommand({}));
    expect(other.InstanceInformationList).toEqual([]);
    const desc = await ec2().send(new DescribeInstancesCommand({ InstanceIds: [withProfile] }));
    const inst = desc.Reservations?.[0]?.Instances?.[0];
    expect(inst?.MetadataOptions?.HttpTokens).toBe('required');
    expect(inst?.IamInstanceProfile?.Arn).toBe(`arn:aws:iam::${A.accountId}:instance-profile/cws-ssm`);
  });

  it('runs the script with bash in the instance root and returns exit code and output', async () => {
    const id = await launch();
    await online(id);
    const ok = await run(id, [
      'echo "shell: $BASH_VERSION" | cut -c1-6',
      'mkdir -p opt && echo built > opt/marker',
      'pwd',
    ]);
    expect(ok).toMatchObject({
      Status: 'Success',
      StatusDetails: 'Success',
      ResponseCode: 0,
      PluginName: 'aws:runShellScript',
    });
    expect(ok.StandardOutputContent).toContain('shell:');
    expect(ok.StandardOutputContent?.trim().split('\n').at(-1)).toBe(emu.instanceRoot(id));
    expect(readFileSync(join(emu.instanceRoot(id), 'opt/marker'), 'utf8')).toBe('built\n');

    const bad = await run(id, ['echo to-stderr >&2', 'exit 3']);
    expect(bad).toMatchObject({ Status: 'Failed', StatusDetails: 'Failed', ResponseCode: 3 });
    expect(bad.StandardErrorContent).toContain('to-stderr');

    const slow = await run(id, ['sleep 30'], '1');
    expect(slow).toMatchObject({ Status: 'TimedOut', StatusDetails: 'ExecutionTimedOut' });

    const list = await ssm().send(new ListCommandInvocationsCommand({ InstanceId: id, Details: true }));
    expect(list.CommandInvocations?.map((c) => c.Status)).toEqual(['TimedOut', 'Failed', 'Success']);
    expect(list.CommandInvocations?.[1]?.CommandPlugins?.[0]?.Output).toContain('to-stderr');
  });

  it('carries the instance disk into an image made from it, and into instances of that image', async () => {
    const id = await launch();
    await online(id);
    await run(id, ['mkdir -p opt', 'echo from-build > opt/marker']);
    const img = await ec2().send(new CreateImageCommand({ InstanceId: id, Name: 'built-by-test' }));
    await ec2().send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await sleep(80);
    const next = await launch({ imageId: img.ImageId as string });
    expect(readFileSync(join(emu.instanceRoot(next), 'opt/marker'), 'utf8')).toBe('from-build\n');
    // The base image itself is untouched.
    expect(existsSync(join(emu.imageRoot(canonicalImageId('us-east-1', 'amd64', '20261101')), 'opt/marker'))).toBe(
      false,
    );
  });

  it("rejects bad input with AWS's error codes", async () => {
    const id = await launch();
    await online(id);
    await expect(
      ssm().send(
        new SendCommandCommand({ InstanceIds: [id], DocumentName: 'AWS-Nope', Parameters: { commands: ['true'] } }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidDocument' });
    await expect(
      ssm().send(new SendCommandCommand({ InstanceIds: [id], DocumentName: 'AWS-RunShellScript', Parameters: {} })),
    ).rejects.toMatchObject({ name: 'InvalidParameters' });
    await expect(
      ssm().send(
        new SendCommandCommand({
          InstanceIds: [id],
          DocumentName: 'AWS-RunShellScript',
          Parameters: { commands: ['true'], executionTimeout: ['0'] },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameters' });
    await expect(
      ssm().send(
        new GetCommandInvocationCommand({ CommandId: '00000000-0000-4000-8000-000000000000', InstanceId: id }),
      ),
    ).rejects.toMatchObject({ name: 'InvocationDoesNotExist' });
    // Another account cannot read a command's output.
    const done = await run(id, ['echo secret']);
    await expect(
      ssm(B).send(new GetCommandInvocationCommand({ CommandId: done.CommandId as string, InstanceId: id })),
    ).rejects.toMatchObject({ name: 'InvocationDoesNotExist' });
  });
});
