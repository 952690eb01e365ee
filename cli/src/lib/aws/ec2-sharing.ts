import type { AwsGateway } from './gateway.js';
import type { SdkClients } from './sdk-clients.js';

type SharingMethods =
  | 'addLaunchPermission'
  | 'launchPermissions'
  | 'removeLaunchPermission'
  | 'blockPublicAccessState'
  | 'snapshotPermissions'
  | 'shareSnapshot';

/** Who may launch an image or copy its snapshots, over the SDK; and EC2's block on public sharing. */
export function ec2Sharing(clients: SdkClients): Pick<AwsGateway, SharingMethods> {
  return {
    /** Adds launch permissions: everyone (`all`) and/or accounts. */
    async addLaunchPermission(region: string, imageId: string, opts: { public?: boolean; accounts?: string[] }) {
      const add = permissionList(opts);
      if (add.length === 0) return;
      await clients.sendEc2(
        region,
        'ModifyImageAttribute',
        (m) => new m.ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: { Add: add } }),
      );
    },

    async launchPermissions(region: string, imageId: string): Promise<{ public: boolean; accounts: string[] }> {
      const out = await clients.sendEc2<{ LaunchPermissions?: { Group?: string; UserId?: string }[] }>(
        region,
        'DescribeImageAttribute',
        (m) => new m.DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }),
      );
      return audience(out.LaunchPermissions);
    },

    async removeLaunchPermission(region: string, imageId: string, opts: { public?: boolean; accounts?: string[] }) {
      const remove = permissionList(opts);
      if (remove.length === 0) return;
      await clients.sendEc2(
        region,
        'ModifyImageAttribute',
        (m) => new m.ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: { Remove: remove } }),
      );
    },

    async blockPublicAccessState(region: string): Promise<string> {
      const out = await clients.sendEc2<{ ImageBlockPublicAccessState?: string }>(
        region,
        'GetImageBlockPublicAccessState',
        (m) => new m.GetImageBlockPublicAccessStateCommand({}),
      );
      return out.ImageBlockPublicAccessState ?? 'unblocked';
    },

    /** Who may create volumes from a snapshot (and so copy the image): everyone, and/or accounts. */
    async snapshotPermissions(region: string, snapshotId: string): Promise<{ public: boolean; accounts: string[] }> {
      const out = await clients.sendEc2<{ CreateVolumePermissions?: { Group?: string; UserId?: string }[] }>(
        region,
        'DescribeSnapshotAttribute',
        (m) => new m.DescribeSnapshotAttributeCommand({ SnapshotId: snapshotId, Attribute: 'createVolumePermission' }),
      );
      return audience(out.CreateVolumePermissions);
    },

    async shareSnapshot(region: string, snapshotId: string, opts: { public?: boolean; accounts?: string[] }) {
      const add = permissionList(opts);
      if (add.length === 0) return;
      await clients.sendEc2(
        region,
        'ModifySnapshotAttribute',
        (m) =>
          new m.ModifySnapshotAttributeCommand({
            SnapshotId: snapshotId,
            Attribute: 'createVolumePermission',
            CreateVolumePermission: { Add: add },
          }),
      );
    },
  };
}

/** EC2's permission lists (launch, create-volume) as: everyone?, and which accounts. */
function audience(perms: { Group?: string; UserId?: string }[] = []): { public: boolean; accounts: string[] } {
  return {
    public: perms.some((p) => p.Group === 'all'),
    accounts: perms.flatMap((p) => (p.UserId ? [p.UserId] : [])),
  };
}

/** The permission entries EC2 takes for everyone (`all`) and/or accounts. */
function permissionList(opts: { public?: boolean; accounts?: string[] }): ({ Group: 'all' } | { UserId: string })[] {
  return [...(opts.public ? [{ Group: 'all' as const }] : []), ...(opts.accounts ?? []).map((UserId) => ({ UserId }))];
}
