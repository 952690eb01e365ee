import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { CwsError, EXIT } from '../errors.js';

/**
 * The few EC2 and SSM calls the resolver makes, behind an interface so the resolver can be tested without AWS.
 * The SDK is imported on first use only: `cws --version` and registry-only commands never load it. Credentials,
 * region and endpoint come from the SDK's standard chain (env, profiles, SSO; AWS_ENDPOINT_URL).
 */
export interface ImageInfo {
  image_id: string;
  name: string;
  owner_id: string;
  creation_date: string;
  architecture: string;
  state: string;
  region: string;
  /** Sum of the EBS volumes, GiB: what a copy moves. */
  size_gib: number;
}

export interface ImageQuery {
  owners: string[];
  namePattern: string;
  architecture: string;
  /** Image states to accept; `available` by default. */
  states?: string[];
}

export interface AwsGateway {
  /** The newest available image matching the query, owner pinned, or null. */
  findNewestImage(region: string, query: ImageQuery): Promise<ImageInfo | null>;
  copyImage(targetRegion: string, source: ImageInfo, name: string, description: string): Promise<string>;
  /** An SSM parameter's value, or null when it does not exist. */
  getParameter(region: string, name: string): Promise<string | null>;
  /** The region from the SDK's chain (profile), for when no flag, env or config gave one. */
  defaultRegion(): Promise<string | undefined>;
}

export class AwsError extends CwsError {
  readonly awsCode: string;
  constructor(awsCode: string, message: string, suggestions: string[]) {
    super(message, { code: 'aws_error', exit: EXIT.aws, suggestions, data: { aws_code: awsCode } });
    this.awsCode = awsCode;
  }
}

/** Turns an SDK error into something a person can act on. */
export function toAwsError(err: unknown, action: string, region: string): AwsError {
  const e = err as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const code = e.Code ?? e.name ?? 'Error';
  const message = (e.message ?? String(err)).split('\n')[0] ?? '';
  if (code === 'CredentialsProviderError' || /credential/i.test(message)) {
    return new AwsError('CredentialsProviderError', `no AWS credentials for ${action} in ${region}: ${message}`, [
      'configure credentials: aws configure, aws sso login --profile NAME, or set AWS_PROFILE',
    ]);
  }
  if (code === 'UnauthorizedOperation' || code === 'AccessDenied' || code === 'AccessDeniedException') {
    return new AwsError(code, `${action} in ${region} was refused: ${message}`, [
      `allow ${action} for your IAM identity, or use a profile that has it (AWS_PROFILE)`,
    ]);
  }
  if (code === 'TimeoutError' || code === 'RequestTimeout' || /timed? ?out/i.test(message)) {
    return new AwsError('TimeoutError', `${action} in ${region} timed out`, ['check your network and try again']);
  }
  return new AwsError(code, `${action} in ${region} failed: ${code}: ${message}`, []);
}

const CANONICAL_OWNER = '099720109477';
export function ownerIds(owners: string[]): string[] {
  return owners.map((o) => (o === 'canonical' ? CANONICAL_OWNER : o));
}

interface SdkOptions {
  /** Per HTTP request; the SDK retries within maxAttempts. */
  requestTimeoutMs?: number;
  maxAttempts?: number;
}

/**
 * The SDK warns on every run under Node 20 that its 2027 releases will need Node 22. cws supports Node 20 and the
 * user can do nothing about that notice, so it is turned off unless the user set the variable themselves.
 */
function quietSdkNodeWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

export class SdkAwsGateway implements AwsGateway {
  private readonly ec2 = new Map<string, Promise<EC2Client>>();
  private readonly ssm = new Map<string, Promise<SSMClient>>();
  private readonly opts: Required<SdkOptions>;

  constructor(opts: SdkOptions = {}) {
    quietSdkNodeWarning();
    this.opts = { requestTimeoutMs: opts.requestTimeoutMs ?? 5000, maxAttempts: opts.maxAttempts ?? 2 };
  }

  private clientConfig(region: string | undefined) {
    return {
      ...(region ? { region } : {}),
      maxAttempts: this.opts.maxAttempts,
      requestHandler: {
        connectionTimeout: Math.min(3000, this.opts.requestTimeoutMs),
        requestTimeout: this.opts.requestTimeoutMs,
      },
    };
  }

  private ec2For(region: string): Promise<EC2Client> {
    let client = this.ec2.get(region);
    if (!client) {
      client = import('@aws-sdk/client-ec2').then((m) => new m.EC2Client(this.clientConfig(region)));
      this.ec2.set(region, client);
    }
    return client;
  }

  private ssmFor(region: string): Promise<SSMClient> {
    let client = this.ssm.get(region);
    if (!client) {
      client = import('@aws-sdk/client-ssm').then((m) => new m.SSMClient(this.clientConfig(region)));
      this.ssm.set(region, client);
    }
    return client;
  }

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

  async copyImage(targetRegion: string, source: ImageInfo, name: string, description: string): Promise<string> {
    const { CopyImageCommand } = await import('@aws-sdk/client-ec2');
    const client = await this.ec2For(targetRegion);
    try {
      const out = await client.send(
        new CopyImageCommand({
          SourceRegion: source.region,
          SourceImageId: source.image_id,
          Name: name,
          Description: description,
        }),
      );
      if (!out.ImageId) throw new Error('CopyImage returned no ImageId');
      return out.ImageId;
    } catch (err) {
      throw toAwsError(err, 'ec2:CopyImage', targetRegion);
    }
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
      const client = new EC2Client(this.clientConfig(undefined));
      const region = await client.config.region();
      client.destroy();
      return region || undefined;
    } catch {
      return undefined;
    }
  }
}
