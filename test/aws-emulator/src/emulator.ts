/** startEmulator(): the programmatic face tests use to seed, inspect and break the emulated AWS. */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IMAGE_ID_RE } from './ec2/common.js';
import { registerImage } from './ec2/image-create.js';
import { killAllCommands } from './run-command.js';
import { seedCanonical } from './seed.js';
import type { FaultRule, RequestLogEntry } from './server.js';
import { createListener } from './server.js';
import type { EmulatedImage, EmulatedInstance, EmulatedSnapshot, Severity } from './state.js';
import { Store } from './state.js';

export interface EmulatorAccount {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  arn?: string;
}

export const DEFAULT_ACCOUNTS: { A: EmulatorAccount; B: EmulatorAccount } = {
  A: {
    accessKeyId: 'AKIAEMULATORAAAAAAAA',
    secretAccessKey: 'emulatorSecretForAlice000000000000000000',
    accountId: '111111111111',
    arn: 'arn:aws:iam::111111111111:user/alice',
  },
  B: {
    accessKeyId: 'AKIAEMULATORBBBBBBBB',
    secretAccessKey: 'emulatorSecretForBob00000000000000000000',
    accountId: '222222222222',
    arn: 'arn:aws:iam::222222222222:user/bob',
  },
};

export interface StartOptions {
  port?: number;
  host?: string;
  /** Replaces the default accounts A and B when given. */
  accounts?: EmulatorAccount[];
  /** CreateImage/CopyImage: pending -> available after this long (default 300 ms). */
  imageAvailableAfterMs?: number;
  /** Each automatic instance transition (pending -> running, stopping -> stopped, ...) takes this long (default 300 ms). */
  instanceTransitionMs?: number;
  /** The SSM agent of a running instance launched with an instance profile is Online after this long (default 300 ms). */
  ssmAgentOnlineAfterMs?: number;
  /** Inspector2 has scanned a running instance this long after it started (default 2000 ms). */
  inspectorScanAfterMs?: number;
  /** Accounts with Inspector2 EC2 scanning on in every region from the start (default none). */
  inspectorEnabled?: string[];
  /** Seed Canonical's public Ubuntu images and SSM parameters (default true). */
  seedCanonical?: boolean;
}

export interface AddImageOptions {
  region: string;
  ownerAccount: string;
  name: string;
  architecture?: 'x86_64' | 'arm64';
  public?: boolean;
  launchPermissions?: string[];
  /** A `pending` image stays pending unless `availableAfterMs` is given. */
  state?: 'available' | 'pending' | 'failed' | 'disabled';
  availableAfterMs?: number;
  description?: string;
  tags?: Record<string, string>;
  imageId?: string;
  creationDate?: string;
  deprecationTime?: string;
  encrypted?: boolean;
  productCodes?: string[];
  /** Root snapshot shared with everyone; defaults to `public`. Shared (launchPermissions) images never share their snapshot implicitly. */
  snapshotPublic?: boolean;
  /** Accounts given createVolumePermission on the root snapshot (so they can copy the image). */
  snapshotSharedWith?: string[];
  /** Files on the image's root volume (path relative to / -> content), on top of the Ubuntu-like skeleton. */
  files?: Record<string, string>;
}

export interface SeedFinding {
  severity: Severity;
  title: string;
  vulnerabilityId?: string;
  packageName?: string;
  installedVersion?: string;
  /** Unset: no fix available. */
  fixedVersion?: string;
  /** Inspector already scanned the AMI itself: EC2 GetImageFindings reports the finding. */
  imageScanned?: boolean;
}

/** Regions where `inspectorEnabled` turns Inspector on at start. */
export const INSPECTOR_REGIONS = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-central-1'];

export interface AwsEmulator {
  url: string;
  accounts: EmulatorAccount[];
  addImage(opts: AddImageOptions): string;
  getImage(region: string, imageId: string): EmulatedImage | undefined;
  getSnapshot(region: string, snapshotId: string): EmulatedSnapshot | undefined;
  listInstances(region?: string): EmulatedInstance[];
  /** The folder standing for an image's root volume (made from the skeleton on first use). */
  imageRoot(imageId: string): string;
  /** The folder standing for an instance's root volume (a copy of its image's, made at launch). */
  instanceRoot(instanceId: string): string;
  setParameter(region: string, name: string, value: string): void;
  /**
   * Findings of an AMI: reported by Inspector2 ListFindings for scanned instances launched from it,
   * and (with `imageScanned`) by EC2 GetImageFindings for the AMI itself.
   */
  addFindings(imageId: string, findings: SeedFinding[], region?: string): void;
  /** Turns Inspector2 EC2 scanning on or off for an account in a region. */
  setInspector(accountId: string, region: string, status: 'ENABLED' | 'DISABLED'): void;
  /** Inspector cannot scan instances of this image (coverage INACTIVE, UNSUPPORTED_OS). */
  markUnsupported(imageId: string): void;
  setBlockPublicAccess(accountId: string, region: string, state: 'unblocked' | 'block-new-sharing'): void;
  failNext(
    action: string,
    error: { code: string; message: string; status?: number },
    opts?: { region?: string; times?: number },
  ): void;
  setLatency(action: string, ms: number): void;
  requests: RequestLogEntry[];
  reset(): void;
  close(): Promise<void>;
}

/**
 * Client settings for the AWS SDK v3 pointed at the emulator as `account` in `region`
 * (e.g. `new EC2Client(sdkConfig(emu, DEFAULT_ACCOUNTS.B, 'eu-west-1'))`).
 */
export function sdkConfig(
  emulator: Pick<AwsEmulator, 'url'>,
  account: EmulatorAccount = DEFAULT_ACCOUNTS.A,
  region = 'us-east-1',
): { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } } {
  return {
    endpoint: emulator.url,
    region,
    credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey },
  };
}

export async function startEmulator(opts: StartOptions = {}): Promise<AwsEmulator> {
  const store = new Store();
  const accounts = opts.accounts ?? [DEFAULT_ACCOUNTS.A, DEFAULT_ACCOUNTS.B];
  const faults: FaultRule[] = [];
  const latency = new Map<string, number>();
  const requests: RequestLogEntry[] = [];
  const timing = {
    imageAvailableAfterMs: opts.imageAvailableAfterMs ?? 300,
    instanceTransitionMs: opts.instanceTransitionMs ?? 300,
    ssmAgentOnlineAfterMs: opts.ssmAgentOnlineAfterMs ?? 300,
    inspectorScanAfterMs: opts.inspectorScanAfterMs ?? 2000,
  };
  const seed = () => {
    if (opts.seedCanonical !== false) seedCanonical(store);
    for (const a of opts.inspectorEnabled ?? []) {
      for (const r of INSPECTOR_REGIONS) store.inspector.set(`${a}/${r}`, 'ENABLED');
    }
  };
  seed();

  const server = createServer(createListener({ store, accounts, timing, faults, latency, requests }));
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    accounts,
    requests,
    addImage(o) {
      if (o.imageId !== undefined && !IMAGE_ID_RE.test(o.imageId)) {
        throw new Error(`addImage: imageId '${o.imageId}' must look like ami-0123456789abcdef0`);
      }
      const img = registerImage(store, {
        region: o.region,
        ownerId: o.ownerAccount,
        name: o.name,
        imageId: o.imageId,
        architecture: o.architecture,
        public: o.public,
        launchPermissions: o.launchPermissions,
        state: o.state,
        availableAfterMs: o.availableAfterMs,
        description: o.description,
        tags: o.tags,
        creationDate: o.creationDate,
        deprecationTime: o.deprecationTime,
        encrypted: o.encrypted,
        productCodes: o.productCodes,
        snapshotPublic: o.snapshotPublic ?? o.public ?? false,
      });
      const snapId = img.blockDeviceMappings[0]?.snapshotId;
      const snap = snapId ? store.region(o.region).snapshots.get(snapId) : undefined;
      if (snap && o.snapshotSharedWith) snap.createVolumePermissions.push(...o.snapshotSharedWith);
      if (o.files) store.disk.ensureImage(img.imageId, o.files);
      return img.imageId;
    },
    getImage(region, imageId) {
      return store.region(region).images.get(imageId);
    },
    getSnapshot(region, snapshotId) {
      return store.region(region).snapshots.get(snapshotId);
    },
    listInstances(region) {
      const regions = region ? [region] : store.regionNames();
      return regions.flatMap((r) => [...store.region(r).instances.values()]);
    },
    imageRoot(imageId) {
      return store.disk.ensureImage(imageId);
    },
    instanceRoot(instanceId) {
      return store.disk.ensureInstance(instanceId);
    },
    setParameter(region, name, value) {
      store.setParameter(region, name, value);
    },
    addFindings(imageId, findings, region) {
      for (const f of findings) {
        store.findings.push({
          imageId,
          region,
          severity: f.severity,
          title: f.title,
          packageName: f.packageName,
          vulnerabilityId: f.vulnerabilityId,
          installedVersion: f.installedVersion,
          fixedVersion: f.fixedVersion,
          imageScanned: f.imageScanned,
          findingArnSuffix: randomBytes(16).toString('hex'),
          observedAt: Date.now(),
        });
      }
    },
    setInspector(accountId, region, status) {
      store.inspector.set(`${accountId}/${region}`, status);
    },
    markUnsupported(imageId) {
      store.unsupportedImages.add(imageId);
    },
    setBlockPublicAccess(accountId, region, state) {
      store.blockPublicAccess.set(`${accountId}/${region}`, state);
    },
    failNext(action, error, o) {
      faults.push({ action, region: o?.region, ...error, remaining: o?.times ?? 1 });
    },
    setLatency(action, ms) {
      if (ms > 0) latency.set(action, ms);
      else latency.delete(action);
    },
    reset() {
      killAllCommands(store);
      store.clear();
      faults.length = 0;
      latency.clear();
      requests.length = 0;
      seed();
    },
    close() {
      killAllCommands(store);
      store.disk.clear();
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // SDK clients keep connections alive; without this, close() waits for their idle timeout.
        server.closeAllConnections();
      });
    },
  };
}
