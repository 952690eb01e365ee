/**
 * The emulator's world: per-region images, snapshots and instances, per-account settings, seeded
 * parameters and findings. Time-based states (pending -> available, pending -> running ...) are
 * resolved lazily whenever the store is read, so there are no timers to leak or to clear on reset
 * and SDK waiters observe the change on their next poll.
 */
import { randomBytes } from 'node:crypto';
import { Disk } from './disk.js';
import { IamStore } from './iam.js';
import type { EmulatedCommand } from './run-command.js';

export type ImageState = 'pending' | 'available' | 'failed' | 'disabled' | 'deregistered';
export type InstanceStateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';
export type Architecture = 'x86_64' | 'arm64';
export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL' | 'UNTRIAGED';

export const INSTANCE_STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface BlockDevice {
  deviceName: string;
  snapshotId: string;
  volumeSize: number;
  volumeType: string;
  encrypted: boolean;
  deleteOnTermination: boolean;
}

export interface EmulatedImage {
  imageId: string;
  region: string;
  ownerId: string;
  /** `amazon` for Amazon-owned images; drives the `amazon` owner alias. */
  ownerAlias?: string;
  name: string;
  description?: string;
  architecture: Architecture;
  state: ImageState;
  /** Shared with everyone (launch permission group `all`). */
  public: boolean;
  /** Account ids with an explicit launch permission. */
  launchPermissions: string[];
  tags: Record<string, string>;
  creationDate: string;
  encrypted: boolean;
  productCodes: string[];
  blockDeviceMappings: BlockDevice[];
  rootDeviceName: string;
  deprecationTime?: string;
  sourceInstanceId?: string;
  sourceImageId?: string;
  sourceImageRegion?: string;
  /** CreateImage only: whether the instance was left running (NoReboot=true) while imaging. */
  noReboot?: boolean;
  /** When a pending image turns available (epoch ms); undefined keeps it in its state. */
  availableAt?: number;
}

export interface EmulatedSnapshot {
  snapshotId: string;
  region: string;
  ownerId: string;
  volumeSize: number;
  encrypted: boolean;
  description: string;
  startTime: string;
  state: 'pending' | 'completed' | 'error';
  public: boolean;
  /** Account ids allowed to create volumes from (and copy) this snapshot. */
  createVolumePermissions: string[];
  tags: Record<string, string>;
  completedAt?: number;
}

export interface EmulatedInstance {
  instanceId: string;
  region: string;
  ownerId: string;
  reservationId: string;
  imageId: string;
  instanceType: string;
  architecture: Architecture;
  state: InstanceStateName;
  launchTime: string;
  availabilityZone: string;
  subnetId: string;
  vpcId: string;
  privateIpAddress: string;
  publicIpAddress?: string;
  keyName?: string;
  /** Base64 as sent by the client (RunInstances' UserData). */
  userData?: string;
  tags: Record<string, string>;
  amiLaunchIndex: number;
  clientToken?: string;
  rootVolumeSize: number;
  stateTransitionReason: string;
  stateReason?: { code: string; message: string };
  /** Pending automatic transition (e.g. stopping -> stopped at epoch ms). */
  transition?: { to: InstanceStateName; at: number };
  /** RunInstances' IamInstanceProfile (name or ARN); the SSM agent registers only with one. */
  iamInstanceProfile?: { arn: string; id: string };
  /** MetadataOptions.HttpTokens: `required` is IMDSv2 only. */
  httpTokens: 'required' | 'optional';
  /** When the instance last became running (epoch ms): the SSM agent starts from then, Inspector covers it after. */
  runningSince?: number;
  /** SecurityGroupId.N given at launch (each one must exist in the account and region). */
  securityGroupIds: string[];
  instanceInitiatedShutdownBehavior: 'stop' | 'terminate';
}

export interface SeededFinding {
  imageId: string;
  region?: string;
  severity: Severity;
  title: string;
  /** CVE-…/GHSA-…; derived from the title when not given. */
  vulnerabilityId?: string;
  packageName?: string;
  installedVersion?: string;
  /** Unset: no fix is available. */
  fixedVersion?: string;
  /** Inspector already scanned the AMI itself: EC2 GetImageFindings reports this finding. */
  imageScanned?: boolean;
  findingArnSuffix: string;
  observedAt: number;
}

export interface EmulatedSecurityGroup {
  groupId: string;
  region: string;
  ownerId: string;
  groupName: string;
  description: string;
  vpcId: string;
  tags: Record<string, string>;
}

export type InspectorStatus = 'ENABLED' | 'DISABLED' | 'ENABLING';

export interface RegionState {
  images: Map<string, EmulatedImage>;
  snapshots: Map<string, EmulatedSnapshot>;
  instances: Map<string, EmulatedInstance>;
}

export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

export class Store {
  private regions = new Map<string, RegionState>();
  /** `${accountId}/${region}` -> block-public-access state. */
  readonly blockPublicAccess = new Map<string, 'unblocked' | 'block-new-sharing'>();
  /** `${region}` -> parameter name -> value. */
  readonly parameters = new Map<string, Map<string, { value: string; version: number; modified: number }>>();
  readonly findings: SeededFinding[] = [];
  /** `${accountId}/${region}` -> Inspector2 EC2 scanning status (DISABLED when absent). */
  readonly inspector = new Map<string, InspectorStatus>();
  /** Images Inspector cannot scan (an unsupported operating system). */
  readonly unsupportedImages = new Set<string>();
  readonly securityGroups = new Map<string, EmulatedSecurityGroup>();
  /** Root folders of images and instances (see disk.ts). */
  readonly disk = new Disk();
  /** SSM Run Command commands by id. */
  readonly commands = new Map<string, EmulatedCommand>();
  /** IAM roles and instance profiles, per account. */
  readonly iam = new IamStore();

  region(name: string): RegionState {
    let r = this.regions.get(name);
    if (!r) {
      r = { images: new Map(), snapshots: new Map(), instances: new Map() };
      this.regions.set(name, r);
    }
    this.tick(r);
    return r;
  }

  regionNames(): string[] {
    return [...this.regions.keys()];
  }

  clear(): void {
    this.regions.clear();
    this.blockPublicAccess.clear();
    this.parameters.clear();
    this.findings.length = 0;
    this.inspector.clear();
    this.unsupportedImages.clear();
    this.securityGroups.clear();
    this.commands.clear();
    this.iam.clear();
    this.disk.clear();
  }

  /** Applies every time-based transition that is due. */
  tick(r: RegionState, now = Date.now()): void {
    for (const img of r.images.values()) {
      if (img.state === 'pending' && img.availableAt !== undefined && now >= img.availableAt) {
        img.state = 'available';
        img.availableAt = undefined;
      }
    }
    for (const snap of r.snapshots.values()) {
      if (snap.state === 'pending' && snap.completedAt !== undefined && now >= snap.completedAt) {
        snap.state = 'completed';
        snap.completedAt = undefined;
      }
    }
    for (const inst of r.instances.values()) {
      if (inst.transition && now >= inst.transition.at) {
        const at = inst.transition.at;
        inst.state = inst.transition.to;
        inst.transition = undefined;
        if (inst.state === 'running') {
          inst.publicIpAddress ??= randomPublicIp();
          inst.runningSince = at;
        }
        if (inst.state === 'stopped' || inst.state === 'terminated') inst.publicIpAddress = undefined;
      }
    }
  }

  bpaState(accountId: string, region: string): 'unblocked' | 'block-new-sharing' {
    return this.blockPublicAccess.get(`${accountId}/${region}`) ?? 'unblocked';
  }

  setParameter(region: string, name: string, value: string): void {
    let m = this.parameters.get(region);
    if (!m) {
      m = new Map();
      this.parameters.set(region, m);
    }
    const prev = m.get(name);
    m.set(name, { value, version: (prev?.version ?? 0) + 1, modified: Date.now() });
  }
}

function randomPublicIp(): string {
  const b = randomBytes(2);
  return `203.0.113.${(b[0] ?? 1) % 254 || 1}`;
}

/** Visibility rule shared by DescribeImages, RunInstances and CopyImage. */
export function canSeeImage(img: EmulatedImage, accountId: string): boolean {
  return img.ownerId === accountId || img.public || img.launchPermissions.includes(accountId);
}

export function canUseSnapshot(snap: EmulatedSnapshot, accountId: string): boolean {
  return snap.ownerId === accountId || snap.public || snap.createVolumePermissions.includes(accountId);
}
