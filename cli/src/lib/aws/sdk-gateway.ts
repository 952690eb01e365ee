import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { CwsError } from '../errors.js';
import {
  type AwsCredentials,
  type AwsGateway,
  type Ec2Filter,
  type ImageDetail,
  type ImageInfo,
  type ImageQuery,
  type InstanceInfo,
  ownerIds,
  type RunInput,
  type RunScriptOptions,
  type ScriptResult,
  toAwsError,
  type WaitForAgentOptions,
} from './gateway.js';
import { SsmOps } from './ssm-ops.js';

/**
 * The AWS gateway over the SDK v3: the only place the CLI makes AWS clients. The SDK is imported on first use only
 * (`cws --version` and registry-only commands never load it). Credentials, region and endpoint come from the SDK's
 * standard chain (env, profiles, SSO; AWS_ENDPOINT_URL). One client per service, region and kind of call.
 */
interface CallLimits {
  /** Per HTTP request; the SDK retries within maxAttempts. */
  requestTimeoutMs: number;
  maxAttempts: number;
}

/** Lookups sit inside the resolver's tier timeouts: fail fast. Changes (run, create, copy, share) may take longer. */
const LIMITS = {
  lookup: { requestTimeoutMs: 5000, maxAttempts: 2 },
  change: { requestTimeoutMs: 20_000, maxAttempts: 3 },
} satisfies Record<string, CallLimits>;
type Kind = keyof typeof LIMITS;
type Ec2Sdk = typeof import('@aws-sdk/client-ec2');

/**
 * The SDK warns on every run under Node 20 that its 2027 releases will need Node 22. cws supports Node 20 and the
 * user can do nothing about that notice, so it is turned off unless the user set the variable themselves.
 */
function quietSdkNodeWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

const tagMap = (tags: { Key?: string | undefined; Value?: string | undefined }[] | undefined) =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key).map((t) => [t.Key as string, t.Value ?? '']));
const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

export class SdkAwsGateway implements AwsGateway {
  private readonly ec2 = new Map<string, Promise<EC2Client>>();
  private readonly ssm = new Map<string, Promise<SSMClient>>();
  private ec2Sdk: Promise<Ec2Sdk> | undefined;
  /** Run Command, over this gateway's SSM clients. */
  private readonly runCommand = new SsmOps((region) => this.ssmFor(region, 'change'));

  constructor() {
    quietSdkNodeWarning();
  }

  private clientConfig(region: string | undefined, kind: Kind) {
    const limits = LIMITS[kind];
    return {
      ...(region ? { region } : {}),
      maxAttempts: limits.maxAttempts,
      requestHandler: {
        connectionTimeout: Math.min(3000, limits.requestTimeoutMs),
        requestTimeout: limits.requestTimeoutMs,
      },
    };
  }

  private sdk(): Promise<Ec2Sdk> {
    this.ec2Sdk ??= import('@aws-sdk/client-ec2');
    return this.ec2Sdk;
  }

  private ec2For(region: string, kind: Kind = 'lookup'): Promise<EC2Client> {
    const key = `${kind}:${region}`;
    let client = this.ec2.get(key);
    if (!client) {
      client = this.sdk().then((m) => new m.EC2Client(this.clientConfig(region, kind)));
      this.ec2.set(key, client);
    }
    return client;
  }

  private ssmFor(region: string, kind: Kind = 'lookup'): Promise<SSMClient> {
    const key = `${kind}:${region}`;
    let client = this.ssm.get(key);
    if (!client) {
      client = import('@aws-sdk/client-ssm').then((m) => new m.SSMClient(this.clientConfig(region, kind)));
      this.ssm.set(key, client);
    }
    return client;
  }

  /** Sends one EC2 command; SDK errors become AwsErrors that name the action and region. */
  private async call<T>(region: string, action: string, make: (m: Ec2Sdk) => unknown): Promise<T> {
    const m = await this.sdk();
    const client = await this.ec2For(region, 'change');
    try {
      // biome-ignore lint/suspicious/noExplicitAny: one send() for many command types
      return (await client.send(make(m) as any)) as T;
    } catch (err) {
      throw toAwsError(err, `ec2:${action}`, region);
    }
  }

  // --- lookups ---------------------------------------------------------------------------------------------------

  async findNewestImage(region: string, query: ImageQuery): Promise<ImageInfo | null> {
    const { DescribeImagesCommand } = await import('@aws-sdk/client-ec2');
    const client = await this.ec2For(region);
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
      (i) => allowed.has(i.owner_id) || allowed.has('self') || allowed.has('amazon') || allowed.has('aws-marketplace'),
    );
    trusted.sort((a, b) => b.creation_date.localeCompare(a.creation_date) || a.image_id.localeCompare(b.image_id));
    return trusted[0] ?? null;
  }

  async getParameter(region: string, name: string): Promise<string | null> {
    const { GetParameterCommand } = await import('@aws-sdk/client-ssm');
    const client = await this.ssmFor(region);
    try {
      const out = await client.send(new GetParameterCommand({ Name: name }));
      return out.Parameter?.Value ?? null;
    } catch (err) {
      if ((err as { name?: string }).name === 'ParameterNotFound') return null;
      throw toAwsError(err, 'ssm:GetParameter', region);
    }
  }

  async defaultRegion(): Promise<string | undefined> {
    try {
      const { EC2Client } = await import('@aws-sdk/client-ec2');
      const client = new EC2Client(this.clientConfig(undefined, 'lookup'));
      const region = await client.config.region();
      client.destroy();
      return region || undefined;
    } catch {
      return undefined;
    }
  }

  async credentials(region: string): Promise<AwsCredentials> {
    const client = await this.ec2For(region);
    try {
      return await client.config.credentials();
    } catch (err) {
      throw toAwsError(err, 'sts:GetCallerIdentity', region);
    }
  }

  // --- instances ---------------------------------------------------------------------------------------------

  async runInstance(input: RunInput): Promise<InstanceInfo> {
    const out = await this.call<{ Instances?: unknown[] }>(input.region, 'RunInstances', (m) => {
      return new m.RunInstancesCommand(this.runParams(input, false));
    });
    const inst = out.Instances?.[0];
    if (!inst) throw new CwsError('RunInstances returned no instance', { code: 'aws_error' });
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

  async findInstances(region: string, filters: Ec2Filter[]): Promise<InstanceInfo[]> {
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
    if (!out.ImageId) throw new CwsError('CreateImage returned no image id', { code: 'aws_error' });
    return out.ImageId;
  }

  async copyImage(
    targetRegion: string,
    sourceRegion: string,
    sourceImageId: string,
    name: string,
    description: string,
    tags: Record<string, string> = {},
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
          ...(Object.keys(tags).length > 0
            ? { TagSpecifications: [{ ResourceType: 'image', Tags: tagList(tags) }] }
            : {}),
        }),
    );
    if (!out.ImageId) throw new CwsError('CopyImage returned no image id', { code: 'aws_error' });
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

  async findOwnImages(region: string, filters: Ec2Filter[]): Promise<(ImageDetail & { creation_date: string })[]> {
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

  async removeLaunchPermission(region: string, imageId: string, opts: { public?: boolean; accounts?: string[] }) {
    const remove = [
      ...(opts.public ? [{ Group: 'all' as const }] : []),
      ...(opts.accounts ?? []).map((UserId) => ({ UserId })),
    ];
    if (remove.length === 0) return;
    await this.call(
      region,
      'ModifyImageAttribute',
      (m) => new m.ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: { Remove: remove } }),
    );
  }

  async deprecateImage(region: string, imageId: string, at: Date): Promise<void> {
    await this.call(
      region,
      'EnableImageDeprecation',
      (m) => new m.EnableImageDeprecationCommand({ ImageId: imageId, DeprecateAt: at }),
    );
  }

  async disableImage(region: string, imageId: string): Promise<void> {
    await this.call(region, 'DisableImage', (m) => new m.DisableImageCommand({ ImageId: imageId }));
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

  // --- SSM Run Command -------------------------------------------------------------------------------------------

  agentStatus(region: string, instanceId: string): Promise<string | null> {
    return this.runCommand.agentStatus(region, instanceId);
  }

  waitForAgent(region: string, instanceId: string, opts: WaitForAgentOptions): Promise<void> {
    return this.runCommand.waitForAgent(region, instanceId, opts);
  }

  runScript(region: string, instanceId: string, script: string, opts: RunScriptOptions): Promise<ScriptResult> {
    return this.runCommand.runScript(region, instanceId, script, opts);
  }
}

/** EC2's permission lists (launch, create-volume) as: everyone?, and which accounts. */
function audience(perms: { Group?: string; UserId?: string }[] = []): { public: boolean; accounts: string[] } {
  return {
    public: perms.some((p) => p.Group === 'all'),
    accounts: perms.flatMap((p) => (p.UserId ? [p.UserId] : [])),
  };
}
