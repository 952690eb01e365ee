import { CwsError } from '../errors.js';

/**
 * Every AWS call cws makes in the user's own account (resolve, launch, save, publish, share, the account proof),
 * behind one interface: the CLI's context makes the one SDK-backed gateway (sdk-gateway.ts), and tests pass a fake.
 * Each consumer takes the slice it needs (`Pick<AwsGateway, ...>`).
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
  /** The AWS account the instance runs in (RunInstances tells; other calls may leave it out). */
  account_id?: string | null;
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

export interface ScriptResult {
  command_id: string;
  /** Success, Failed, TimedOut, Cancelled ... as SSM reports it. */
  status: string;
  status_details: string;
  exit_code: number;
  stdout: string;
  stderr: string;
  timed_out: boolean;
  seconds: number;
}

export interface RunScriptOptions {
  /** AWS-RunShellScript's executionTimeout: the script is stopped after this long. */
  timeoutSeconds: number;
  comment?: string;
  /** Called with each new piece of stdout while the script runs (SSM may deliver it only at the end). */
  onOutput?: (chunk: string) => void;
  signal?: AbortSignal | undefined;
}

export interface WaitForAgentOptions {
  timeoutMs: number;
  onTick?: (status: string | null, ms: number) => void;
  signal?: AbortSignal | undefined;
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface AwsGateway {
  // --- lookups the resolver makes -----------------------------------------------------------------------------
  /** The newest available image matching the query, owner pinned, or null. */
  findNewestImage(region: string, query: ImageQuery): Promise<ImageInfo | null>;
  /** An SSM parameter's value, or null when it does not exist. */
  getParameter(region: string, name: string): Promise<string | null>;
  /** The region from the SDK's chain (profile), for when no flag, env or config gave one. */
  defaultRegion(): Promise<string | undefined>;
  /** The credentials of the SDK's standard chain (env, profiles, SSO, instance roles), to sign an STS proof. */
  credentials(region: string): Promise<AwsCredentials>;

  // --- instances ----------------------------------------------------------------------------------------------
  runInstance(input: RunInput): Promise<InstanceInfo>;
  /** RunInstances with DryRun: ok when EC2 says it would have succeeded; otherwise the reason. */
  dryRunInstance(input: RunInput): Promise<{ ok: boolean; code: string; message: string }>;
  /** The instance, or null when EC2 does not know it. */
  describeInstance(region: string, instanceId: string): Promise<InstanceInfo | null>;
  /** Instances tagged `cws:name` = name (not terminated), for names this machine has no record of. */
  findInstancesByName(region: string, name: string): Promise<InstanceInfo[]>;
  /** Instances matching EC2 filters (e.g. `tag:cws:build`, `image-id`), any state unless filtered. */
  findInstances(region: string, filters: Ec2Filter[]): Promise<InstanceInfo[]>;
  /** Returns the instance's state right after the call. */
  changeState(region: string, instanceId: string, action: 'stop' | 'start' | 'terminate'): Promise<string>;

  // --- images -------------------------------------------------------------------------------------------------
  createImage(
    region: string,
    instanceId: string,
    name: string,
    description: string,
    tags: Record<string, string>,
    noReboot: boolean,
  ): Promise<string>;
  copyImage(
    targetRegion: string,
    sourceRegion: string,
    sourceImageId: string,
    name: string,
    description: string,
    tags?: Record<string, string>,
  ): Promise<string>;
  /** The image, or null when EC2 does not know it. */
  describeImage(region: string, imageId: string): Promise<ImageDetail | null>;
  /** Your own images carrying a tag, e.g. `cws:save-id`: how an interrupted save finds an image it never recorded. */
  findOwnImagesByTag(region: string, key: string, value: string): Promise<ImageDetail[]>;
  /**
   * Your own images matching EC2 filters (e.g. `tag:cws:template`), with their creation dates; disabled ones only
   * with `includeDisabled` (DescribeImages leaves them out otherwise).
   */
  findOwnImages(
    region: string,
    filters: Ec2Filter[],
    opts?: { includeDisabled?: boolean },
  ): Promise<(ImageDetail & { creation_date: string })[]>;
  deregisterImage(region: string, imageId: string): Promise<void>;
  /** Adds launch permissions: everyone (`all`) and/or accounts. */
  addLaunchPermission(region: string, imageId: string, opts: { public?: boolean; accounts?: string[] }): Promise<void>;
  launchPermissions(region: string, imageId: string): Promise<{ public: boolean; accounts: string[] }>;
  /** Removes launch permissions: everyone (`all`) and/or accounts. */
  removeLaunchPermission(
    region: string,
    imageId: string,
    opts: { public?: boolean; accounts?: string[] },
  ): Promise<void>;
  /** EnableImageDeprecation: from `at` (EC2 rounds it to the minute) others' searches skip the image. */
  deprecateImage(region: string, imageId: string, at: Date): Promise<void>;
  /** DisableImage: nobody can launch the image until EnableImage, and every launch permission is removed. */
  disableImage(region: string, imageId: string): Promise<void>;
  blockPublicAccessState(region: string): Promise<string>;
  /** Who may create volumes from a snapshot (and so copy the image): everyone, and/or accounts. */
  snapshotPermissions(region: string, snapshotId: string): Promise<{ public: boolean; accounts: string[] }>;
  shareSnapshot(region: string, snapshotId: string, opts: { public?: boolean; accounts?: string[] }): Promise<void>;

  // --- SSM Run Command on the user's instances ---------------------------------------------------------------
  /** The agent's PingStatus (Online, ConnectionLost, Inactive) or null when the instance is not a managed node. */
  agentStatus(region: string, instanceId: string): Promise<string | null>;
  /** Waits until the instance's SSM agent is Online. */
  waitForAgent(region: string, instanceId: string, opts: WaitForAgentOptions): Promise<void>;
  /** Runs `script` with AWS-RunShellScript and follows it until it ends. A failing script is a result, not an error. */
  runScript(region: string, instanceId: string, script: string, opts: RunScriptOptions): Promise<ScriptResult>;
}

export type Ec2Filter = { Name: string; Values: string[] };

export class AwsError extends CwsError {
  readonly awsCode: string;
  constructor(awsCode: string, message: string, suggestions: string[]) {
    super(message, { code: 'aws_error', suggestions, data: { aws_code: awsCode } });
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
  // A request that never reached AWS: no answer was given, so nothing was refused.
  const sys = (err as { code?: unknown }).code;
  const network = typeof sys === 'string' && NETWORK_CODES.has(sys) ? sys : NETWORK_CODE_IN.exec(message)?.[0];
  if (network) {
    return new AwsError('NetworkError', `${action} in ${region}: could not reach AWS (${network})`, [
      'check your network connection and proxy settings, then try again',
      'if you set AWS_ENDPOINT_URL (or a profile endpoint_url), check it points at a working endpoint',
    ]);
  }
  return new AwsError(code, `${action} in ${region} failed: ${code}: ${message}`, awsSuggestions(code, action, region));
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);
const NETWORK_CODE_IN = /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\b/;

/** What to do about the AWS errors people meet most; a generic next step for the rest, never nothing. */
function awsSuggestions(code: string, action: string, region: string): string[] {
  if (/^(AuthFailure|InvalidClientTokenId|UnrecognizedClientException|SignatureDoesNotMatch)$/.test(code)) {
    return ['check which credentials are in use and that they are valid: aws sts get-caller-identity'];
  }
  if (/^(ExpiredToken|ExpiredTokenException|RequestExpired)$/.test(code)) {
    return ['your AWS session expired: aws sso login --profile NAME (or refresh your credentials), then try again'];
  }
  if (/^(Throttling|ThrottlingException|RequestLimitExceeded)$/.test(code)) {
    return ['AWS is throttling your requests: wait a minute and try again'];
  }
  if (/^InvalidAMIID\./.test(code)) {
    return [
      `check the image id exists in ${region} (images are per region): cws ami resolve TEMPLATE --region ${region}`,
    ];
  }
  if (/^(OptInRequired|InvalidRegion|UnsupportedOperation)$/.test(code)) {
    return [`check that ${region} is enabled for your account and offers ${action}, or pick another with --region`];
  }
  return [
    `look up ${code} in the AWS documentation for ${action.split(':')[0] ?? 'the service'}`,
    'run again with DEBUG=* to see the full AWS response',
  ];
}

const CANONICAL_OWNER = '099720109477';
export function ownerIds(owners: string[]): string[] {
  return owners.map((o) => (o === 'canonical' ? CANONICAL_OWNER : o));
}
