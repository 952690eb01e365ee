import {
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DisableImageCommand,
  DisableImageDeprecationCommand,
  EC2Client,
  EnableImageCommand,
  EnableImageDeprecationCommand,
  ModifyImageAttributeCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AwsEmulator, EmulatorAccount } from './index.js';
import { DEFAULT_ACCOUNTS, sdkConfig, startEmulator } from './index.js';

const { A, B } = DEFAULT_ACCOUNTS;
let emu: AwsEmulator;
const ec2 = (account: EmulatorAccount = A, region = 'us-east-1') =>
  new EC2Client({ ...sdkConfig(emu, account, region), maxAttempts: 1 });
const ids = (r: { Images?: Array<{ ImageId?: string }> }) => (r.Images ?? []).map((i) => i.ImageId).sort();
const mine = [{ Name: 'owner-id', Values: [A.accountId] }];
const run = (account: EmulatorAccount, image: string) =>
  ec2(account).send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }));

beforeAll(async () => {
  emu = await startEmulator({ imageAvailableAfterMs: 100, instanceTransitionMs: 100 });
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());
afterEach(() => vi.useRealTimers());

/** A's image, public and shared with B by id as well. */
const shared = (name = 'lab-1') =>
  emu.addImage({
    region: 'us-east-1',
    ownerAccount: A.accountId,
    name,
    public: true,
    launchPermissions: [B.accountId],
    creationDate: new Date().toISOString(),
  });

describe('EnableImageDeprecation / DisableImageDeprecation', () => {
  it('sets a DeprecationTime rounded to the minute; from then on searches by others skip the image', async () => {
    const img = shared();
    const start = Date.now();
    const at = new Date(start + 30 * 60_000 + 20_000);
    await ec2(A).send(new EnableImageDeprecationCommand({ ImageId: img, DeprecateAt: at }));
    const [described] = (await ec2(A).send(new DescribeImagesCommand({ ImageIds: [img] }))).Images ?? [];
    const rounded = new Date(Math.round(at.getTime() / 60_000) * 60_000).toISOString();
    expect(described?.DeprecationTime).toBe(rounded);
    // Not yet deprecated: B still finds it.
    expect(ids(await ec2(B).send(new DescribeImagesCommand({ Filters: mine })))).toEqual([img]);

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(start + 32 * 60_000);
    expect(ids(await ec2(B).send(new DescribeImagesCommand({ Filters: mine })))).toEqual([]);
    expect(ids(await ec2(B).send(new DescribeImagesCommand({ Filters: mine, IncludeDeprecated: true })))).toEqual([
      img,
    ]);
    // Named by id it is still described and launchable, as on AWS; the owner still sees it in searches.
    expect(ids(await ec2(B).send(new DescribeImagesCommand({ ImageIds: [img] })))).toEqual([img]);
    expect((await run(B, img)).Instances?.[0]?.ImageId).toBe(img);
    expect(ids(await ec2(A).send(new DescribeImagesCommand({ Owners: ['self'] })))).toEqual([img]);

    await ec2(A).send(new DisableImageDeprecationCommand({ ImageId: img }));
    const [after] = (await ec2(B).send(new DescribeImagesCommand({ Filters: mine }))).Images ?? [];
    expect(after?.ImageId).toBe(img);
    expect(after?.DeprecationTime).toBeUndefined();
  });

  it('accepts "now", refuses the past, the far future, and anyone but the owner', async () => {
    const img = shared();
    await ec2(A).send(new EnableImageDeprecationCommand({ ImageId: img, DeprecateAt: new Date() }));
    await expect(
      ec2(A).send(new EnableImageDeprecationCommand({ ImageId: img, DeprecateAt: new Date(Date.now() - 3_600_000) })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue', message: expect.stringMatching(/past/) });
    await expect(
      ec2(A).send(
        new EnableImageDeprecationCommand({ ImageId: img, DeprecateAt: new Date(Date.now() + 3 * 365 * 86_400_000) }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue', message: expect.stringMatching(/2 years/) });
    // B may launch the image but not change it.
    await expect(
      ec2(B).send(new EnableImageDeprecationCommand({ ImageId: img, DeprecateAt: new Date() })),
    ).rejects.toMatchObject({ name: 'AuthFailure' });
    const hidden = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'private-1' });
    await expect(ec2(B).send(new DisableImageDeprecationCommand({ ImageId: hidden }))).rejects.toMatchObject({
      name: 'InvalidAMIID.NotFound',
    });
    await expect(
      ec2(A).send(new EnableImageDeprecationCommand({ ImageId: img, DeprecateAt: undefined as unknown as Date })),
    ).rejects.toMatchObject({ name: 'MissingParameter' });
  });
});

describe('DisableImage / EnableImage', () => {
  it('makes the image private and unlaunchable; EnableImage does not give the sharing back', async () => {
    const img = shared();
    expect((await ec2(A).send(new DisableImageCommand({ ImageId: img }))).Return).toBe(true);

    // Others lose it entirely.
    await expect(ec2(B).send(new DescribeImagesCommand({ ImageIds: [img] }))).rejects.toMatchObject({
      name: 'InvalidAMIID.NotFound',
    });
    await expect(run(B, img)).rejects.toMatchObject({ name: 'InvalidAMIID.NotFound' });
    // The owner sees it only when asking for disabled images, and cannot launch or share it.
    expect(ids(await ec2(A).send(new DescribeImagesCommand({ Owners: ['self'] })))).toEqual([]);
    const listed = await ec2(A).send(new DescribeImagesCommand({ Owners: ['self'], IncludeDisabled: true }));
    expect(listed.Images?.map((i) => [i.ImageId, i.State, i.Public])).toEqual([[img, 'disabled', false]]);
    await expect(run(A, img)).rejects.toMatchObject({ name: 'InvalidAMIID.Unavailable' });
    await expect(
      ec2(A).send(new ModifyImageAttributeCommand({ ImageId: img, LaunchPermission: { Add: [{ Group: 'all' }] } })),
    ).rejects.toMatchObject({ name: 'OperationNotPermitted' });
    const perms = await ec2(A).send(new DescribeImageAttributeCommand({ ImageId: img, Attribute: 'launchPermission' }));
    expect(perms.LaunchPermissions).toEqual([]);
    // Only the owner may disable or enable.
    const other = shared('lab-2');
    await expect(ec2(B).send(new DisableImageCommand({ ImageId: other }))).rejects.toMatchObject({
      name: 'AuthFailure',
    });
    await expect(ec2(B).send(new EnableImageCommand({ ImageId: img }))).rejects.toMatchObject({
      name: 'InvalidAMIID.NotFound',
    });

    await ec2(A).send(new EnableImageCommand({ ImageId: img }));
    const [back] = (await ec2(A).send(new DescribeImagesCommand({ ImageIds: [img] }))).Images ?? [];
    expect(back).toMatchObject({ State: 'available', Public: false });
    expect((await run(A, img)).Instances?.[0]?.ImageId).toBe(img);
    await expect(ec2(B).send(new DescribeImagesCommand({ ImageIds: [img] }))).rejects.toMatchObject({
      name: 'InvalidAMIID.NotFound',
    });
  });
});

describe('ModifyImageAttribute launchPermission remove', () => {
  it('removes everyone (group all) and named accounts', async () => {
    const img = shared();
    await ec2(A).send(
      new ModifyImageAttributeCommand({
        ImageId: img,
        LaunchPermission: { Remove: [{ Group: 'all' }, { UserId: B.accountId }] },
      }),
    );
    const perms = await ec2(A).send(new DescribeImageAttributeCommand({ ImageId: img, Attribute: 'launchPermission' }));
    expect(perms.LaunchPermissions).toEqual([]);
    await expect(ec2(B).send(new DescribeImagesCommand({ ImageIds: [img] }))).rejects.toMatchObject({
      name: 'InvalidAMIID.NotFound',
    });
  });
});
