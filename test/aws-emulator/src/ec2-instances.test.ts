import {
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  EC2Client,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  waitUntilInstanceRunning,
  waitUntilInstanceStopped,
  waitUntilInstanceTerminated,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsEmulator, EmulatorAccount } from './index.js';
import { DEFAULT_ACCOUNTS, sdkConfig, startEmulator } from './index.js';

const { A, B } = DEFAULT_ACCOUNTS;
const fast = { maxWaitTime: 10, minDelay: 0.1, maxDelay: 0.2 };
let emu: AwsEmulator;
let image: string;
const ec2 = (account: EmulatorAccount = A, region = 'us-east-2') =>
  new EC2Client({ ...sdkConfig(emu, account, region), maxAttempts: 1 });

beforeAll(async () => {
  // Long enough that a loaded machine still sees the pending window between two calls.
  emu = await startEmulator({ instanceTransitionMs: 600, seedCanonical: false });
  image = emu.addImage({
    region: 'us-east-2',
    ownerAccount: A.accountId,
    name: 'workstation',
    launchPermissions: [B.accountId],
  });
});
afterAll(() => emu.close());

async function launch(
  account: EmulatorAccount = A,
  extra: Partial<ConstructorParameters<typeof RunInstancesCommand>[0]> = {},
) {
  const r = await ec2(account).send(
    new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, InstanceType: 't3.medium', ...extra }),
  );
  return r;
}

describe('instances', () => {
  it('RunInstances returns a reservation and waitUntilInstanceRunning really waits', async () => {
    const userData = Buffer.from('#!/bin/bash\necho hi\n').toString('base64');
    // Timed from the launch: the transition starts there, however slowly the answer comes back.
    const started = Date.now();
    const r = await launch(A, {
      MaxCount: 2,
      UserData: userData,
      KeyName: 'alice-key',
      SubnetId: 'subnet-0123456789abcdef0',
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'ws-1' }] }],
    });
    expect(r.ReservationId).toMatch(/^r-[0-9a-f]{17}$/);
    expect(r.OwnerId).toBe(A.accountId);
    expect(r.Instances).toHaveLength(2);
    const [first] = r.Instances ?? [];
    expect(first).toMatchObject({
      ImageId: image,
      InstanceType: 't3.medium',
      KeyName: 'alice-key',
      SubnetId: 'subnet-0123456789abcdef0',
      State: { Code: 0, Name: 'pending' },
      Tags: [{ Key: 'Name', Value: 'ws-1' }],
    });
    expect(first?.InstanceId).toMatch(/^i-[0-9a-f]{17}$/);
    expect(first?.LaunchTime).toBeInstanceOf(Date);
    const ids = (r.Instances ?? []).map((i) => i.InstanceId as string);

    const waited = await waitUntilInstanceRunning({ client: ec2(), ...fast }, { InstanceIds: ids });
    expect(waited.state).toBe('SUCCESS');
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    const d = await ec2().send(new DescribeInstancesCommand({ InstanceIds: ids }));
    expect(d.Reservations).toHaveLength(1);
    expect(d.Reservations?.[0]?.Instances?.map((i) => i.State)).toEqual([
      { Code: 16, Name: 'running' },
      { Code: 16, Name: 'running' },
    ]);
    expect(d.Reservations?.[0]?.Instances?.[0]?.PublicIpAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(emu.listInstances('us-east-2').find((i) => i.instanceId === ids[0])?.userData).toBe(userData);
  });

  it('follows AWS’s stop/start/terminate state machine', async () => {
    const r = await launch();
    const id = r.Instances?.[0]?.InstanceId as string;
    const client = ec2();

    // Still pending: cannot be stopped yet.
    await expect(client.send(new StopInstancesCommand({ InstanceIds: [id] }))).rejects.toMatchObject({
      name: 'IncorrectInstanceState',
    });
    await waitUntilInstanceRunning({ client, ...fast }, { InstanceIds: [id] });

    const stop = await client.send(new StopInstancesCommand({ InstanceIds: [id] }));
    expect(stop.StoppingInstances?.[0]).toMatchObject({
      InstanceId: id,
      PreviousState: { Code: 16, Name: 'running' },
      CurrentState: { Code: 64, Name: 'stopping' },
    });
    await expect(client.send(new StartInstancesCommand({ InstanceIds: [id] }))).rejects.toMatchObject({
      name: 'IncorrectInstanceState',
    });
    await waitUntilInstanceStopped({ client, ...fast }, { InstanceIds: [id] });
    const again = await client.send(new StopInstancesCommand({ InstanceIds: [id] }));
    expect(again.StoppingInstances?.[0]?.CurrentState?.Name).toBe('stopped');

    const start = await client.send(new StartInstancesCommand({ InstanceIds: [id] }));
    expect(start.StartingInstances?.[0]).toMatchObject({
      PreviousState: { Name: 'stopped' },
      CurrentState: { Code: 0, Name: 'pending' },
    });
    await waitUntilInstanceRunning({ client, ...fast }, { InstanceIds: [id] });

    const term = await client.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    expect(term.TerminatingInstances?.[0]?.CurrentState).toEqual({ Code: 32, Name: 'shutting-down' });
    await waitUntilInstanceTerminated({ client, ...fast }, { InstanceIds: [id] });
    await expect(client.send(new StartInstancesCommand({ InstanceIds: [id] }))).rejects.toMatchObject({
      name: 'IncorrectInstanceState',
    });
    const gone = await client.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    expect(gone.TerminatingInstances?.[0]?.CurrentState?.Name).toBe('terminated');
  });

  it('keeps instances private to their account and validates ids', async () => {
    const r = await launch(B);
    const id = r.Instances?.[0]?.InstanceId as string;
    await expect(ec2(A).send(new StopInstancesCommand({ InstanceIds: [id] }))).rejects.toMatchObject({
      name: 'InvalidInstanceID.NotFound',
    });
    await expect(
      ec2(A).send(new DescribeInstancesCommand({ InstanceIds: ['i-0000000000000000a'] })),
    ).rejects.toMatchObject({
      name: 'InvalidInstanceID.NotFound',
    });
    await expect(ec2(A).send(new DescribeInstancesCommand({ InstanceIds: ['i-xyz'] }))).rejects.toMatchObject({
      name: 'InvalidInstanceID.Malformed',
    });
    const mine = await ec2(B).send(new DescribeInstancesCommand({}));
    expect(mine.Reservations?.flatMap((x) => x.Instances ?? []).map((i) => i.InstanceId)).toEqual([id]);
  });

  it('filters DescribeInstances by tag and state', async () => {
    const tagged = await launch(A, {
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'cws:role', Value: 'builder' }] }],
    });
    const id = tagged.Instances?.[0]?.InstanceId;
    const q = (Filters: Array<{ Name: string; Values: string[] }>) =>
      ec2()
        .send(new DescribeInstancesCommand({ Filters }))
        .then((d) => d.Reservations?.flatMap((x) => x.Instances ?? []).map((i) => i.InstanceId));
    expect(await q([{ Name: 'tag:cws:role', Values: ['build*'] }])).toEqual([id]);
    expect(
      await q([
        { Name: 'tag:cws:role', Values: ['builder'] },
        { Name: 'instance-state-name', Values: ['running'] },
      ]),
    ).toEqual([]);
    expect(
      await q([
        { Name: 'tag:cws:role', Values: ['builder'] },
        { Name: 'instance-state-name', Values: ['pending'] },
      ]),
    ).toEqual([id]);
  });

  it('only launches images the caller can see, with a matching architecture', async () => {
    const hidden = emu.addImage({ region: 'us-east-2', ownerAccount: A.accountId, name: 'not-shared' });
    await expect(launch(B, { ImageId: hidden })).rejects.toMatchObject({ name: 'InvalidAMIID.NotFound' });
    await expect(launch(A, { ImageId: 'ami-bad' })).rejects.toMatchObject({ name: 'InvalidAMIID.Malformed' });
    await expect(launch(A, { InstanceType: 't4g.medium' })).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringContaining("architecture 'arm64'"),
    });
    const pending = emu.addImage({
      region: 'us-east-2',
      ownerAccount: A.accountId,
      name: 'still-pending',
      state: 'pending',
    });
    await expect(launch(A, { ImageId: pending })).rejects.toMatchObject({ name: 'InvalidAMIID.Unavailable' });
  });

  it('lists regions', async () => {
    const r = await ec2().send(new DescribeRegionsCommand({ RegionNames: ['eu-west-1'] }));
    expect(r.Regions).toEqual([
      { RegionName: 'eu-west-1', Endpoint: 'ec2.eu-west-1.amazonaws.com', OptInStatus: 'opt-in-not-required' },
    ]);
    const all = await ec2().send(new DescribeRegionsCommand({}));
    expect(all.Regions?.length).toBeGreaterThan(10);
  });
});
