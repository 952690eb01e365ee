import type { EC2Client } from '@aws-sdk/client-ec2';
import { CwsError, EXIT } from '../errors.js';
import { toAwsError } from './gateway.js';

/**
 * The EC2 calls launch, save and publish make, in the user's own account. The SDK is loaded on first use; credentials,
 * region and endpoint come from its standard chain (AWS_PROFILE, AWS_ENDPOINT_URL ...).
 */
export interface InstanceInfo {
  instance_id: string;
  region: string;
  state: string;
  image_id: string;
  instance_type: string;
  architecture: string;
  launch_time: string | null;
  private_ip: string | null;
  public_ip: string | null;
  tags: Record<string, string>;
}

export interface ImageDetail {
  image_id: string;
  region: string;
  name: string;
  owner_id: string;
  state: string;
  state_reason: string | null;
  architecture: string;
  public: boolean;
  root_device_type: string;
  encrypted: boolean;
  product_codes: string[];
  snapshot_ids: string[];
  tags: Record<string, string>;
}

export interface RunInput {
  region: string;
  imageId: string;
  instanceType: string;
  tags: Record<string, string>;
  userDataBase64?: string | undefined;
  subnetId?: string | undefined;
  keyName?: string | undefined;
  clientToken?: string | undefined;
  /** Instance profile name (or ARN) for the instance's role: the SSM agent needs one. */
  instanceProfile?: string | undefined;
  /** IMDSv2 only (HttpTokens required). */
  imdsV2?: boolean | undefined;
}

type Sdk = typeof import('@aws-sdk/client-ec2');

const tagMap = (tags: { Key?: string | undefined; Value?: string | undefined }[] | undefined) =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key).map((t) => [t.Key as string, t.Value ?? '']));
const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

export class Ec2Ops {
  private readonly clients = new Map<string, Promise<EC2Client>>();
  private sdkPromise: Promise<Sdk> | undefined;

  constructor() {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  }

  private sdk(): Promise<Sdk> {
    this.sdkPromise ??= import('@aws-sdk/client-ec2');
    return this.sdkPromise;
  }

  private client(region: string): Promise<EC2Client> {
    let c = this.clients.get(region);
    if (!c) {
      c = this.sdk().then(
        (m) =>
          new m.EC2Client({
            region,
            maxAttempts: 3,
            requestHandler: { connectionTimeout: 3000, requestTimeout: 20000 },
          }),
      );
      this.clients.set(region, c);
    }
    return c;
  }

  /** Sends one command; SDK errors become AwsErrors that name the action and region. */
  private async call<T>(region: string, action: string, make: (m: Sdk) => unknown): Promise<T> {
    const m = await this.sdk();
    const client = await this.client(region);
    try {
      // biome-ignore lint/suspicious/noExplicitAny: one send() for many command types
      return (await client.send(make(m) as any)) as T;
    } catch (err) {
      throw toAwsError(err, `ec2:${action}`, region);
    }
  }

  // --- instances ---------------------------------------------------------------------------------------------

  async runInstance(input: RunInput): Promise<InstanceInfo> {
    const out = await this.call<{ Instances?: unknown[] }>(input.region, 'RunInstances', (m) => {
      return new m.RunInstancesCommand(this.runParams(input, false));
    });
    const inst = out.Instances?.[0];
    if (!inst) throw new CwsError('RunInstances returned no instance', { code: 'aws_error', exit: EXIT.aws });
    return this.instanceInfo(inst, input.region);
  }

  /** RunInstances with DryRun: true when EC2 says it would have succeeded; otherwise the reason. */
  async dryRunInstance(input: RunInput): Promise<{ ok: boolean; code: string; message: string }> {
    try {
      await this.call(input.region, 'RunInstances', (m) => new m.RunInstancesCommand(this.runParams(input, true)));
      return { ok: true, code: 'DryRunOperation', message: 'would have succeeded' };
    } catch (err) {
      const e = err as { awsCode?: string; message: string };
      if (e.awsCode === 'DryRunOperation') return { ok: true, code: e.awsCode, message: 'EC2 says it would succeed' };
      return { ok: false, code: e.awsCode ?? 'Error', message: e.message };
    }
  }

  private runParams(input: RunInput, dryRun: boolean) {
    return {
      ImageId: input.imageId,
      InstanceType: input.instanceType as never,
      MinCount: 1,
      MaxCount: 1,
      DryRun: dryRun,
      ...(input.userDataBase64 ? { UserData: input.userDataBase64 } : {}),
      ...(input.subnetId ? { SubnetId: input.subnetId } : {}),
      ...(input.keyName ? { KeyName: input.keyName } : {}),
      ...(input.clientToken && !dryRun ? { ClientToken: input.clientToken } : {}),
      ...(input.instanceProfile
        ? {
            IamInstanceProfile: input.instanceProfile.startsWith('arn:')
              ? { Arn: input.instanceProfile }
              : { Name: input.instanceProfile },
          }
        : {}),
      ...(input.imdsV2
        ? { MetadataOptions: { HttpTokens: 'required' as const, HttpEndpoint: 'enabled' as const } }
        : {}),
      TagSpecifications: [{ ResourceType: 'instance' as const, Tags: tagList(input.tags) }],
    };
  }

  async describeInstance(region: string, instanceId: string): Promise<InstanceInfo | null> {
    try {
      const out = await this.call<{ Reservations?: { Instances?: unknown[] }[] }>(
        region,
        'DescribeInstances',
        (m) => new m.DescribeInstancesCommand({ InstanceIds: [instanceId] }),
      );
      const inst = out.Reservations?.flatMap((r) => r.Instances ?? [])[0];
      return inst ? this.instanceInfo(inst, region) : null;
    } catch (err) {
      if (/InvalidInstanceID/.test((err as { awsCode?: string }).awsCode ?? '')) return null;
      throw err;
    }
  }

  /** Instances tagged `cws:name` = name (not terminated), for names this machine has no record of. */
  async findInstancesByName(region: string, name: string): Promise<InstanceInfo[]> {
    const out = await this.call<{ Reservations?: { Instances?: unknown[] }[] }>(
      region,
      'DescribeInstances',
      (m) =>
        new m.DescribeInstancesCommand({
          Filters: [
            { Name: 'tag:cws:name', Values: [name] },
            { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
          ],
        }),
    );
    return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => this.instanceInfo(i, region));
  }

  /** Instances matching EC2 filters (e.g. `tag:cws:build`, `image-id`), any state unless filtered. */
  async findInstances(region: string, filters: { Name: string; Values: string[] }[]): Promise<InstanceInfo[]> {
    const found: InstanceInfo[] = [];
    let token: string | undefined;
    do {
      const out = await this.call<{ Reservations?: { Instances?: unknown[] }[]; NextToken?: string }>(
        region,
        'DescribeInstances',
        (m) => new m.DescribeInstancesCommand({ Filters: filters, NextToken: token }),
      );
      found.push(
        ...(out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => this.instanceInfo(i, region)),
      );
      token = out.NextToken;
    } while (token);
    return found;
  }

  async changeState(region: string, instanceId: string, action: 'stop' | 'start' | 'terminate'): Promise<string> {
    const name = { stop: 'StopInstances', start: 'StartInstances', terminate: 'TerminateInstances' }[action];
    const out = await this.call<{
      StoppingInstances?: { CurrentState?: { Name?: string } }[];
      StartingInstances?: { CurrentState?: { Name?: string } }[];
      TerminatingInstances?: { CurrentState?: { Name?: string } }[];
    }>(region, name, (m) =>
      action === 'stop'
        ? new m.StopInstancesCommand({ InstanceIds: [instanceId] })
        : action === 'start'
          ? new m.StartInstancesCommand({ InstanceIds: [instanceId] })
          : new m.TerminateInstancesCommand({ InstanceIds: [instanceId] }),
    );
    const list = out.StoppingInstances ?? out.StartingInstances ?? out.TerminatingInstances ?? [];
    return list[0]?.CurrentState?.Name ?? 'unknown';
  }

  private instanceInfo(raw: unknown, region: string): InstanceInfo {
    const i = raw as {
      InstanceId?: string;
      State?: { Name?: string };
      ImageId?: string;
      InstanceType?: string;
      Architecture?: string;
      LaunchTime?: Date;
      PrivateIpAddress?: string;
      PublicIpAddress?: string;
      Tags?: { Key?: string; Value?: string }[];
    };
    return {
      instance_id: i.InstanceId ?? '',
      region,
      state: i.State?.Name ?? 'unknown',
      image_id: i.ImageId ?? '',
      instance_type: i.InstanceType ?? '',
      architecture: i.Architecture ?? '',
      launch_time: i.LaunchTime ? new Date(i.LaunchTime).toISOString() : null,
      private_ip: i.PrivateIpAddress ?? null,
      public_ip: i.PublicIpAddress ?? null,
      tags: tagMap(i.Tags),
    };
  }

  // --- images ------------------------------------------------------------------------------------------------

  async createImage(
    region: string,
    instanceId: string,
    name: string,
    description: string,
    tags: Record<string, string>,
    noReboot: boolean,
  ): Promise<string> {
    const out = await this.call<{ ImageId?: string }>(
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
    if (!out.ImageId) throw new CwsError('CreateImage returned no image id', { code: 'aws_error', exit: EXIT.aws });
    return out.ImageId;
  }

  async copyImage(
    targetRegion: string,
    sourceRegion: string,
    sourceImageId: string,
    name: string,
    description: string,
    tags: Record<string, string>,
  ): Promise<string> {
    const out = await this.call<{ ImageId?: string }>(
      targetRegion,
      'CopyImage',
      (m) =>
        new m.CopyImageCommand({
          SourceRegion: sourceRegion,
          SourceImageId: sourceImageId,
          Name: name,
          Description: description,
          TagSpecifications: [{ ResourceType: 'image', Tags: tagList(tags) }],
        }),
    );
    if (!out.ImageId) throw new CwsError('CopyImage returned no image id', { code: 'aws_error', exit: EXIT.aws });
    return out.ImageId;
  }

  async describeImage(region: string, imageId: string): Promise<ImageDetail | null> {
    try {
      const out = await this.call<{ Images?: unknown[] }>(
        region,
        'DescribeImages',
        (m) => new m.DescribeImagesCommand({ ImageIds: [imageId] }),
      );
      const img = out.Images?.[0];
      return img ? this.imageDetail(img, region) : null;
    } catch (err) {
      if (/InvalidAMIID/.test((err as { awsCode?: string }).awsCode ?? '')) return null;
      throw err;
    }
  }

  /** Your own images carrying a tag, e.g. `cws:save-id`: how an interrupted save finds an image it never recorded. */
  async findOwnImagesByTag(region: string, key: string, value: string): Promise<ImageDetail[]> {
    const out = await this.call<{ Images?: unknown[] }>(
      region,
      'DescribeImages',
      (m) => new m.DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: `tag:${key}`, Values: [value] }] }),
    );
    return (out.Images ?? []).map((i) => this.imageDetail(i, region));
  }

  /** Your own images matching EC2 filters (e.g. `tag:cws:template`), with their creation dates. */
  async findOwnImages(
    region: string,
    filters: { Name: string; Values: string[] }[],
  ): Promise<(ImageDetail & { creation_date: string })[]> {
    const out = await this.call<{ Images?: { CreationDate?: string }[] }>(
      region,
      'DescribeImages',
      (m) => new m.DescribeImagesCommand({ Owners: ['self'], Filters: filters }),
    );
    return (out.Images ?? []).map((i) => ({ ...this.imageDetail(i, region), creation_date: i.CreationDate ?? '' }));
  }

  async deregisterImage(region: string, imageId: string): Promise<void> {
    await this.call(
      region,
      'DeregisterImage',
      (m) => new m.DeregisterImageCommand({ ImageId: imageId, DeleteAssociatedSnapshots: true }),
    );
  }

  /** Adds launch permissions: everyone (`all`) and/or accounts. */
  async addLaunchPermission(region: string, imageId: string, opts: { public?: boolean; accounts?: string[] }) {
    const add = [
      ...(opts.public ? [{ Group: 'all' as const }] : []),
      ...(opts.accounts ?? []).map((UserId) => ({ UserId })),
    ];
    if (add.length === 0) return;
    await this.call(
      region,
      'ModifyImageAttribute',
      (m) => new m.ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: { Add: add } }),
    );
  }

  async launchPermissions(region: string, imageId: string): Promise<{ public: boolean; accounts: string[] }> {
    const out = await this.call<{ LaunchPermissions?: { Group?: string; UserId?: string }[] }>(
      region,
      'DescribeImageAttribute',
      (m) => new m.DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }),
    );
    return audience(out.LaunchPermissions);
  }

  async blockPublicAccessState(region: string): Promise<string> {
    const out = await this.call<{ ImageBlockPublicAccessState?: string }>(
      region,
      'GetImageBlockPublicAccessState',
      (m) => new m.GetImageBlockPublicAccessStateCommand({}),
    );
    return out.ImageBlockPublicAccessState ?? 'unblocked';
  }

  /** Who may create volumes from a snapshot (and so copy the image): everyone, and/or accounts. */
  async snapshotPermissions(region: string, snapshotId: string): Promise<{ public: boolean; accounts: string[] }> {
    const out = await this.call<{ CreateVolumePermissions?: { Group?: string; UserId?: string }[] }>(
      region,
      'DescribeSnapshotAttribute',
      (m) => new m.DescribeSnapshotAttributeCommand({ SnapshotId: snapshotId, Attribute: 'createVolumePermission' }),
    );
    return audience(out.CreateVolumePermissions);
  }

  async shareSnapshot(region: string, snapshotId: string, opts: { public?: boolean; accounts?: string[] }) {
    const add = [
      ...(opts.public ? [{ Group: 'all' as const }] : []),
      ...(opts.accounts ?? []).map((UserId) => ({ UserId })),
    ];
    if (add.length === 0) return;
    await this.call(
      region,
      'ModifySnapshotAttribute',
      (m) =>
        new m.ModifySnapshotAttributeCommand({
          SnapshotId: snapshotId,
          Attribute: 'createVolumePermission',
          CreateVolumePermission: { Add: add },
        }),
    );
  }

  private imageDetail(raw: unknown, region: string): ImageDetail {
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
}

/** Polls until `done` says so, with growing pauses (quick against the emulator, gentle on AWS). */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  opts: { timeoutMs: number; what: string; onTick?: (value: T, elapsedMs: number) => void },
): Promise<T> {
  const start = Date.now();
  let delay = 200;
  for (;;) {
    const value = await read();
    opts.onTick?.(value, Date.now() - start);
    if (done(value)) return value;
    if (Date.now() - start > opts.timeoutMs) {
      throw new CwsError(`gave up waiting for ${opts.what} after ${Math.round(opts.timeoutMs / 1000)} s`, {
        code: 'timeout',
        exit: EXIT.aws,
      });
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(5000, Math.round(delay * 1.5));
  }
}

/** EC2's permission lists (launch, create-volume) as: everyone?, and which accounts. */
function audience(perms: { Group?: string; UserId?: string }[] = []): { public: boolean; accounts: string[] } {
  return {
    public: perms.some((p) => p.Group === 'all'),
    accounts: perms.flatMap((p) => (p.UserId ? [p.UserId] : [])),
  };
}
