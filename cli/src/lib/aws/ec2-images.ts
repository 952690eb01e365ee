import { CwsError } from '../errors.js';
import {
  type AwsGateway,
  type Ec2Filter,
  type ImageDetail,
  type ImageInfo,
  type ImageQuery,
  ownerIds,
  toAwsError,
} from './gateway.js';
import { type SdkClients, tagList, tagMap } from './sdk-clients.js';

type ImageMethods =
  | 'findNewestImage'
  | 'createImage'
  | 'copyImage'
  | 'describeImage'
  | 'findOwnImagesByTag'
  | 'findOwnImages'
  | 'deregisterImage'
  | 'deprecateImage'
  | 'disableImage';

/** EC2 images over the SDK: find, describe, create, copy, deprecate, disable, deregister (sharing: ec2-sharing.ts). */
export function ec2Images(clients: SdkClients): Pick<AwsGateway, ImageMethods> {
  return {
    async findNewestImage(region: string, query: ImageQuery): Promise<ImageInfo | null> {
      const { DescribeImagesCommand } = await import('@aws-sdk/client-ec2');
      const client = await clients.ec2(region);
      const images: ImageInfo[] = [];
      const states = query.states ?? ['available'];
      let nextToken: string | undefined;
      try {
        do {
          const out = await client.send(
            new DescribeImagesCommand({
              Owners: ownerIds(query.owners),
              Filters: [
                { Name: 'name', Values: [query.namePattern] },
                { Name: 'architecture', Values: [query.architecture] },
                { Name: 'state', Values: states },
              ],
              MaxResults: 1000,
              NextToken: nextToken,
            }),
          );
          for (const img of out.Images ?? []) {
            if (!img.ImageId || !img.State || !states.includes(img.State)) continue;
            images.push({
              image_id: img.ImageId,
              name: img.Name ?? '',
              owner_id: img.OwnerId ?? '',
              creation_date: img.CreationDate ?? '',
              architecture: img.Architecture ?? query.architecture,
              state: img.State,
              region,
              size_gib: (img.BlockDeviceMappings ?? []).reduce((sum, b) => sum + (b.Ebs?.VolumeSize ?? 0), 0),
            });
          }
          nextToken = out.NextToken;
        } while (nextToken);
      } catch (err) {
        throw toAwsError(err, 'ec2:DescribeImages', region);
      }
      // Owners are pinned above; still, never trust an answer outside them (a misbehaving endpoint or proxy).
      const allowed = new Set(ownerIds(query.owners));
      const trusted = images.filter(
        (i) =>
          allowed.has(i.owner_id) || allowed.has('self') || allowed.has('amazon') || allowed.has('aws-marketplace'),
      );
      trusted.sort((a, b) => b.creation_date.localeCompare(a.creation_date) || a.image_id.localeCompare(b.image_id));
      return trusted[0] ?? null;
    },

    async createImage(
      region: string,
      instanceId: string,
      name: string,
      description: string,
      tags: Record<string, string>,
      noReboot: boolean,
    ): Promise<string> {
      const out = await clients.sendEc2<{ ImageId?: string }>(
        region,
        'CreateImage',
        (m) =>
          new m.CreateImageCommand({
            InstanceId: instanceId,
            Name: name,
            Description: description,
            NoReboot: noReboot,
            TagSpecifications: [
              { ResourceType: 'image', Tags: tagList(tags) },
              { ResourceType: 'snapshot', Tags: tagList(tags) },
            ],
          }),
      );
      if (!out.ImageId) throw new CwsError('CreateImage returned no image id', { code: 'aws_error' });
      return out.ImageId;
    },

    async copyImage(
      targetRegion: string,
      sourceRegion: string,
      sourceImageId: string,
      name: string,
      description: string,
      tags: Record<string, string> = {},
    ): Promise<string> {
      const out = await clients.sendEc2<{ ImageId?: string }>(
        targetRegion,
        'CopyImage',
        (m) =>
          new m.CopyImageCommand({
            SourceRegion: sourceRegion,
            SourceImageId: sourceImageId,
            Name: name,
            Description: description,
            ...(Object.keys(tags).length > 0
              ? { TagSpecifications: [{ ResourceType: 'image', Tags: tagList(tags) }] }
              : {}),
          }),
      );
      if (!out.ImageId) throw new CwsError('CopyImage returned no image id', { code: 'aws_error' });
      return out.ImageId;
    },

    async describeImage(region: string, imageId: string): Promise<ImageDetail | null> {
      try {
        const out = await clients.sendEc2<{ Images?: unknown[] }>(
          region,
          'DescribeImages',
          (m) => new m.DescribeImagesCommand({ ImageIds: [imageId] }),
        );
        const img = out.Images?.[0];
        return img ? imageDetail(img, region) : null;
      } catch (err) {
        if (/InvalidAMIID/.test((err as { awsCode?: string }).awsCode ?? '')) return null;
        throw err;
      }
    },

    /** Your own images carrying a tag, e.g. `cws:save-id`: how an interrupted save finds an image it never recorded. */
    async findOwnImagesByTag(region: string, key: string, value: string): Promise<ImageDetail[]> {
      const out = await clients.sendEc2<{ Images?: unknown[] }>(
        region,
        'DescribeImages',
        (m) => new m.DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: `tag:${key}`, Values: [value] }] }),
      );
      return (out.Images ?? []).map((i) => imageDetail(i, region));
    },

    async findOwnImages(
      region: string,
      filters: Ec2Filter[],
      opts: { includeDisabled?: boolean } = {},
    ): Promise<(ImageDetail & { creation_date: string })[]> {
      const out = await clients.sendEc2<{ Images?: { CreationDate?: string }[] }>(
        region,
        'DescribeImages',
        (m) =>
          new m.DescribeImagesCommand({
            Owners: ['self'],
            Filters: filters,
            // DescribeImages leaves disabled images out unless asked (IncludeDisabled defaults to false).
            ...(opts.includeDisabled ? { IncludeDisabled: true } : {}),
          }),
      );
      return (out.Images ?? []).map((i) => ({ ...imageDetail(i, region), creation_date: i.CreationDate ?? '' }));
    },

    async deregisterImage(region: string, imageId: string): Promise<void> {
      await clients.sendEc2(
        region,
        'DeregisterImage',
        (m) => new m.DeregisterImageCommand({ ImageId: imageId, DeleteAssociatedSnapshots: true }),
      );
    },

    async deprecateImage(region: string, imageId: string, at: Date): Promise<void> {
      await clients.sendEc2(
        region,
        'EnableImageDeprecation',
        (m) => new m.EnableImageDeprecationCommand({ ImageId: imageId, DeprecateAt: at }),
      );
    },

    async disableImage(region: string, imageId: string): Promise<void> {
      await clients.sendEc2(region, 'DisableImage', (m) => new m.DisableImageCommand({ ImageId: imageId }));
    },
  };
}

function imageDetail(raw: unknown, region: string): ImageDetail {
  const i = raw as {
    ImageId?: string;
    Name?: string;
    OwnerId?: string;
    State?: string;
    StateReason?: { Message?: string };
    Architecture?: string;
    Public?: boolean;
    RootDeviceType?: string;
    ProductCodes?: { ProductCodeId?: string }[];
    BlockDeviceMappings?: { Ebs?: { SnapshotId?: string; Encrypted?: boolean } }[];
    Tags?: { Key?: string; Value?: string }[];
  };
  const ebs = (i.BlockDeviceMappings ?? []).flatMap((b) => (b.Ebs ? [b.Ebs] : []));
  return {
    image_id: i.ImageId ?? '',
    region,
    name: i.Name ?? '',
    owner_id: i.OwnerId ?? '',
    state: i.State ?? 'unknown',
    state_reason: i.StateReason?.Message ?? null,
    architecture: i.Architecture ?? '',
    public: i.Public ?? false,
    root_device_type: i.RootDeviceType ?? '',
    encrypted: ebs.some((e) => e.Encrypted),
    product_codes: (i.ProductCodes ?? []).flatMap((p) => (p.ProductCodeId ? [p.ProductCodeId] : [])),
    snapshot_ids: ebs.flatMap((e) => (e.SnapshotId ? [e.SnapshotId] : [])),
    tags: tagMap(i.Tags),
  };
}
