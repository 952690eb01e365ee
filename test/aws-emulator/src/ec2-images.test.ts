import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DisableImageBlockPublicAccessCommand,
  EC2Client,
  EnableImageBlockPublicAccessCommand,
  GetImageBlockPublicAccessStateCommand,
  ModifyImageAttributeCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AwsEmulator, EmulatorAccount } from './index.js';
import { CANONICAL_ACCOUNT, DEFAULT_ACCOUNTS, sdkConfig, startEmulator } from './index.js';

const { A, B } = DEFAULT_ACCOUNTS;
let emu: AwsEmulator;
const ec2 = (account: EmulatorAccount = A, region = 'us-east-1') =>
  new EC2Client({ ...sdkConfig(emu, account, region), maxAttempts: 1 });
const ids = (r: { Images?: Array<{ ImageId?: string }> }) => (r.Images ?? []).map((i) => i.ImageId).sort();

beforeAll(async () => {
  emu = await startEmulator({ imageAvailableAfterMs: 250, instanceTransitionMs: 150 });
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

describe('DescribeImages visibility', () => {
  it('shows own, launch-permitted and public images, and nothing else', async () => {
    const own = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'a-private' });
    const shared = emu.addImage({
      region: 'us-east-1',
      ownerAccount: B.accountId,
      name: 'b-shared',
      launchPermissions: [A.accountId],
    });
    const pub = emu.addImage({ region: 'us-east-1', ownerAccount: B.accountId, name: 'b-public', public: true });
    const hidden = emu.addImage({ region: 'us-east-1', ownerAccount: B.accountId, name: 'b-private' });
    emu.addImage({ region: 'us-west-2', ownerAccount: A.accountId, name: 'a-elsewhere' });

    const notCanonical = [{ Name: 'owner-id', Values: [A.accountId, B.accountId] }];
    const seenByA = await ec2(A).send(new DescribeImagesCommand({ Filters: notCanonical }));
    expect(ids(seenByA)).toEqual([own, shared, pub].sort());
    const seenByB = await ec2(B).send(new DescribeImagesCommand({ Filters: notCanonical }));
    expect(ids(seenByB)).toEqual([shared, pub, hidden].sort());

    expect(ids(await ec2(A).send(new DescribeImagesCommand({ Owners: ['self'] })))).toEqual([own]);
    expect(ids(await ec2(A).send(new DescribeImagesCommand({ Owners: [B.accountId] })))).toEqual([shared, pub].sort());
    expect(ids(await ec2(A).send(new DescribeImagesCommand({ ExecutableUsers: ['self'] })))).toEqual(
      [own, shared].sort(),
    );
    const publicOnes = await ec2(A).send(
      new DescribeImagesCommand({ ExecutableUsers: ['all'], Filters: notCanonical }),
    );
    expect(ids(publicOnes)).toEqual([pub]);

    await expect(ec2(A).send(new DescribeImagesCommand({ ImageIds: [hidden] }))).rejects.toMatchObject({
      name: 'InvalidAMIID.NotFound',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(ec2(A).send(new DescribeImagesCommand({ ImageIds: ['ami-12345'] }))).rejects.toMatchObject({
      name: 'InvalidAMIID.Malformed',
    });
    const one = await ec2(A).send(new DescribeImagesCommand({ ImageIds: [shared] }));
    expect(one.Images?.[0]).toMatchObject({ ImageId: shared, OwnerId: B.accountId, Public: false, State: 'available' });
  });

  it('filters by name wildcards, architecture, state, tags and public flag', async () => {
    const mk = (name: string, extra: Partial<Parameters<AwsEmulator['addImage']>[0]> = {}) =>
      emu.addImage({ region: 'eu-west-1', ownerAccount: A.accountId, name, ...extra });
    const x1 = mk('cws/base-2026.11.01', { tags: { team: 'bio', env: 'prod' } });
    const x2 = mk('cws/base-2026.11.02', { architecture: 'arm64', public: true, tags: { team: 'geo' } });
    const x3 = mk('cws/gpu-2026.11.01', { state: 'pending' });
    const q = (Filters: Array<{ Name: string; Values: string[] }>) =>
      ec2(A, 'eu-west-1')
        .send(new DescribeImagesCommand({ Owners: ['self'], Filters }))
        .then(ids);

    expect(await q([{ Name: 'name', Values: ['cws/base-*'] }])).toEqual([x1, x2].sort());
    expect(await q([{ Name: 'name', Values: ['cws/base-2026.11.0?'] }])).toEqual([x1, x2].sort());
    expect(await q([{ Name: 'name', Values: ['cws/base'] }])).toEqual([]);
    expect(await q([{ Name: 'architecture', Values: ['arm64'] }])).toEqual([x2]);
    expect(await q([{ Name: 'state', Values: ['pending'] }])).toEqual([x3]);
    expect(await q([{ Name: 'tag:team', Values: ['bio', 'geo'] }])).toEqual([x1, x2].sort());
    expect(await q([{ Name: 'tag-key', Values: ['env'] }])).toEqual([x1]);
    expect(await q([{ Name: 'is-public', Values: ['true'] }])).toEqual([x2]);
    expect(
      await q([
        { Name: 'image-id', Values: [x3] },
        { Name: 'root-device-type', Values: ['ebs'] },
      ]),
    ).toEqual([x3]);
    expect(
      await q([
        { Name: 'name', Values: ['cws/*'] },
        { Name: 'architecture', Values: ['x86_64'] },
      ]),
    ).toEqual([x1, x3].sort());
    await expect(q([{ Name: 'no-such-filter', Values: ['x'] }])).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
  });

  it('hides deprecated images unless IncludeDeprecated', async () => {
    const old = emu.addImage({
      region: 'us-east-1',
      ownerAccount: B.accountId,
      name: 'old',
      public: true,
      deprecationTime: '2020-01-01T00:00:00.000Z',
    });
    const find = (IncludeDeprecated?: boolean) =>
      ec2(A)
        .send(new DescribeImagesCommand({ Owners: [B.accountId], IncludeDeprecated }))
        .then(ids);
    expect(await find()).toEqual([]);
    expect(await find(true)).toEqual([old]);
  });

  it('serves Canonical’s public Ubuntu images', async () => {
    const r = await ec2(B, 'eu-central-1').send(
      new DescribeImagesCommand({
        Owners: [CANONICAL_ACCOUNT],
        Filters: [{ Name: 'name', Values: ['ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-*'] }],
      }),
    );
    expect(r.Images?.map((i) => i.Name).sort()).toEqual([
      'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20261015',
      'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20261101',
    ]);
    expect(r.Images?.[0]).toMatchObject({ Architecture: 'arm64', Public: true, OwnerId: CANONICAL_ACCOUNT });
  });
});

describe('sharing', () => {
  it('lets only the owner read and change launch permissions', async () => {
    const img = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'to-share', description: 'v1' });
    await ec2(A).send(
      new ModifyImageAttributeCommand({ ImageId: img, LaunchPermission: { Add: [{ UserId: B.accountId }] } }),
    );
    const attr = await ec2(A).send(new DescribeImageAttributeCommand({ ImageId: img, Attribute: 'launchPermission' }));
    expect(attr.LaunchPermissions).toEqual([{ UserId: B.accountId }]);
    expect(emu.getImage('us-east-1', img)?.launchPermissions).toEqual([B.accountId]);

    // B now sees it, but cannot manage it.
    await expect(
      ec2(B).send(new ModifyImageAttributeCommand({ ImageId: img, LaunchPermission: { Add: [{ Group: 'all' }] } })),
    ).rejects.toMatchObject({ name: 'AuthFailure' });
    await expect(
      ec2(B).send(new DescribeImageAttributeCommand({ ImageId: img, Attribute: 'launchPermission' })),
    ).rejects.toMatchObject({ name: 'AuthFailure' });
    await expect(ec2(B).send(new DeregisterImageCommand({ ImageId: img }))).rejects.toMatchObject({
      name: 'AuthFailure',
    });

    // The older OperationType form, and description.
    await ec2(A).send(
      new ModifyImageAttributeCommand({
        ImageId: img,
        Attribute: 'launchPermission',
        OperationType: 'remove',
        UserIds: [B.accountId],
      }),
    );
    await expect(ec2(B).send(new DescribeImagesCommand({ ImageIds: [img] }))).rejects.toMatchObject({
      name: 'InvalidAMIID.NotFound',
    });
    await ec2(A).send(new ModifyImageAttributeCommand({ ImageId: img, Description: { Value: 'v2' } }));
    const desc = await ec2(A).send(new DescribeImageAttributeCommand({ ImageId: img, Attribute: 'description' }));
    expect(desc.Description?.Value).toBe('v2');
    await expect(
      ec2(A).send(new ModifyImageAttributeCommand({ ImageId: img, LaunchPermission: { Add: [{ UserId: 'bob' }] } })),
    ).rejects.toMatchObject({ name: 'InvalidAMIAttributeItemValue' });
  });

  it('refuses public sharing while block public access is on', async () => {
    const img = emu.addImage({ region: 'us-west-2', ownerAccount: A.accountId, name: 'public-candidate' });
    const client = ec2(A, 'us-west-2');
    const makePublic = () =>
      client.send(new ModifyImageAttributeCommand({ ImageId: img, LaunchPermission: { Add: [{ Group: 'all' }] } }));
    const state = () =>
      client.send(new GetImageBlockPublicAccessStateCommand({})).then((r) => r.ImageBlockPublicAccessState);

    expect(await state()).toBe('unblocked');
    await client.send(new EnableImageBlockPublicAccessCommand({ ImageBlockPublicAccessState: 'block-new-sharing' }));
    expect(await state()).toBe('block-new-sharing');
    expect(await ec2(A, 'us-east-1').send(new GetImageBlockPublicAccessStateCommand({}))).toMatchObject({
      ImageBlockPublicAccessState: 'unblocked',
    });
    await expect(makePublic()).rejects.toMatchObject({ name: 'OperationNotPermitted' });
    // Sharing with a specific account is still allowed.
    await client.send(
      new ModifyImageAttributeCommand({ ImageId: img, LaunchPermission: { Add: [{ UserId: B.accountId }] } }),
    );

    await client.send(new DisableImageBlockPublicAccessCommand({}));
    await makePublic();
    expect(emu.getImage('us-west-2', img)?.public).toBe(true);

    emu.setBlockPublicAccess(A.accountId, 'us-west-2', 'block-new-sharing');
    expect(await state()).toBe('block-new-sharing');
  });

  it('tags images and refuses tags on images the caller does not own', async () => {
    const img = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'tagged', tags: { a: '1' } });
    await ec2(A).send(new CreateTagsCommand({ Resources: [img], Tags: [{ Key: 'b', Value: '2' }] }));
    await ec2(A).send(new DeleteTagsCommand({ Resources: [img], Tags: [{ Key: 'a', Value: 'not-1' }] }));
    expect(emu.getImage('us-east-1', img)?.tags).toEqual({ a: '1', b: '2' });
    await ec2(A).send(new DeleteTagsCommand({ Resources: [img], Tags: [{ Key: 'a' }] }));
    expect(emu.getImage('us-east-1', img)?.tags).toEqual({ b: '2' });
    await expect(
      ec2(A).send(new CreateTagsCommand({ Resources: [img], Tags: [{ Key: 'aws:x', Value: '1' }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(
      ec2(B).send(new CreateTagsCommand({ Resources: [img], Tags: [{ Key: 'c', Value: '3' }] })),
    ).rejects.toMatchObject({
      name: 'InvalidAMIID.NotFound',
    });
  });
});
