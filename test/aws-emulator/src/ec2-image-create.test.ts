import {
  CopyImageCommand,
  CreateImageCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  ModifySnapshotAttributeCommand,
  RunInstancesCommand,
  waitUntilImageAvailable,
  waitUntilInstanceRunning,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AwsEmulator, EmulatorAccount } from './index.js';
import { CANONICAL_ACCOUNT, DEFAULT_ACCOUNTS, sdkConfig, startEmulator } from './index.js';

const { A, B } = DEFAULT_ACCOUNTS;
const fast = { maxWaitTime: 10, minDelay: 0.1, maxDelay: 0.2 };
let emu: AwsEmulator;
const ec2 = (account: EmulatorAccount = A, region = 'us-east-1') =>
  new EC2Client({ ...sdkConfig(emu, account, region), maxAttempts: 1 });

beforeAll(async () => {
  // Long enough that a loaded machine still sees the image pending right after CreateImage.
  emu = await startEmulator({ imageAvailableAfterMs: 1000, instanceTransitionMs: 150 });
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

describe('making images', () => {
  it('CreateImage from a running instance becomes available for waitUntilImageAvailable', async () => {
    const base = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'base' });
    const run = await ec2(A).send(
      new RunInstancesCommand({ ImageId: base, MinCount: 1, MaxCount: 1, InstanceType: 't3.small' }),
    );
    const instanceId = run.Instances?.[0]?.InstanceId as string;
    await waitUntilInstanceRunning({ client: ec2(A), ...fast }, { InstanceIds: [instanceId] });

    const created = await ec2(A).send(
      new CreateImageCommand({
        InstanceId: instanceId,
        Name: 'cws/saved 2026-11-21',
        NoReboot: true,
        TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'cws:template', Value: 'python-ml' }] }],
      }),
    );
    const imageId = created.ImageId as string;
    expect(imageId).toMatch(/^ami-[0-9a-f]{17}$/);
    const first = await ec2(A).send(new DescribeImagesCommand({ ImageIds: [imageId] }));
    expect(first.Images?.[0]).toMatchObject({
      State: 'pending',
      SourceInstanceId: instanceId,
      Tags: [{ Key: 'cws:template', Value: 'python-ml' }],
    });

    const result = await waitUntilImageAvailable({ client: ec2(A), ...fast }, { ImageIds: [imageId] });
    expect(result.state).toBe('SUCCESS');
    const img = emu.getImage('us-east-1', imageId);
    expect(img).toMatchObject({ state: 'available', ownerId: A.accountId, noReboot: true });
    const snaps = await ec2(A).send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
    expect(snaps.Snapshots?.map((s) => s.SnapshotId)).toContain(img?.blockDeviceMappings[0]?.snapshotId);

    await expect(
      ec2(A).send(new CreateImageCommand({ InstanceId: instanceId, Name: 'cws/saved 2026-11-21' })),
    ).rejects.toMatchObject({ name: 'InvalidAMIName.Duplicate' });
    await expect(ec2(B).send(new CreateImageCommand({ InstanceId: instanceId, Name: 'stolen' }))).rejects.toMatchObject(
      {
        name: 'InvalidInstanceID.NotFound',
      },
    );
    await expect(ec2(A).send(new CreateImageCommand({ InstanceId: 'i-nope', Name: 'x-y-z' }))).rejects.toMatchObject({
      name: 'InvalidInstanceID.Malformed',
    });
  });

  it('CopyImage across regions needs read access to the snapshot', async () => {
    const src = emu.addImage({
      region: 'us-east-1',
      ownerAccount: A.accountId,
      name: 'src',
      launchPermissions: [B.accountId],
    });
    const copy = () =>
      ec2(B, 'eu-west-1').send(
        new CopyImageCommand({ SourceRegion: 'us-east-1', SourceImageId: src, Name: 'my-copy' }),
      );
    await expect(copy()).rejects.toMatchObject({
      name: 'InvalidRequest',
      message: 'You do not have permission to access the storage of this ami',
    });

    const snapshotId = emu.getImage('us-east-1', src)?.blockDeviceMappings[0]?.snapshotId as string;
    await ec2(A).send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: snapshotId,
        CreateVolumePermission: { Add: [{ UserId: B.accountId }] },
      }),
    );
    const perms = await ec2(A).send(
      new DescribeSnapshotAttributeCommand({ SnapshotId: snapshotId, Attribute: 'createVolumePermission' }),
    );
    expect(perms.CreateVolumePermissions).toEqual([{ UserId: B.accountId }]);

    const { ImageId } = await copy();
    await waitUntilImageAvailable({ client: ec2(B, 'eu-west-1'), ...fast }, { ImageIds: [ImageId as string] });
    const copied = emu.getImage('eu-west-1', ImageId as string);
    expect(copied).toMatchObject({
      ownerId: B.accountId,
      sourceImageId: src,
      sourceImageRegion: 'us-east-1',
      state: 'available',
    });
    const snaps = await ec2(B, 'eu-west-1').send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
    expect(snaps.Snapshots).toHaveLength(1);
    expect(emu.getImage('us-east-1', ImageId as string)).toBeUndefined();

    // Images the caller cannot see are simply not found.
    const secret = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'secret' });
    await expect(
      ec2(B, 'eu-west-1').send(
        new CopyImageCommand({ SourceRegion: 'us-east-1', SourceImageId: secret, Name: 'n-n-n' }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidAMIID.NotFound' });
  });

  it('public Canonical images can be copied by anyone', async () => {
    const [canonical] =
      (
        await ec2(A, 'us-east-2').send(
          new DescribeImagesCommand({
            Owners: [CANONICAL_ACCOUNT],
            Filters: [{ Name: 'architecture', Values: ['x86_64'] }],
          }),
        )
      ).Images ?? [];
    const r = await ec2(A, 'eu-west-1').send(
      new CopyImageCommand({ SourceRegion: 'us-east-2', SourceImageId: canonical?.ImageId, Name: 'ubuntu-copy' }),
    );
    expect(emu.getImage('eu-west-1', r.ImageId as string)?.description).toContain(
      `[Copied ${canonical?.ImageId} from us-east-2]`,
    );
  });

  it('DeregisterImage removes the image (and optionally its snapshots)', async () => {
    const img = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'doomed' });
    const snap = emu.getImage('us-east-1', img)?.blockDeviceMappings[0]?.snapshotId;
    const r = await ec2(A).send(new DeregisterImageCommand({ ImageId: img, DeleteAssociatedSnapshots: true }));
    expect(r.DeleteSnapshotResults).toEqual([{ SnapshotId: snap, ReturnCode: 'success' }]);
    await expect(ec2(A).send(new DescribeImagesCommand({ ImageIds: [img] }))).rejects.toMatchObject({
      name: 'InvalidAMIID.NotFound',
    });
  });
});
