/** Making images: CreateImage (from an instance), CopyImage (across regions), and the shared registrar. */
import { ApiError, notFoundInstance } from '../errors.js';
import type { Architecture, EmulatedImage, ImageState, Store } from '../state.js';
import { canUseSnapshot, newId } from '../state.js';
import { el } from '../xml.js';
import type { Ec2Context, Ec2Handler } from './common.js';
import { checkInstanceId, IMAGE_ID_RE, readTagSpecifications, regionOf, required, visibleImage } from './common.js';
import { createSnapshot } from './snapshots.js';

export interface RegisterImageOptions {
  region: string;
  ownerId: string;
  name: string;
  imageId?: string;
  ownerAlias?: string;
  architecture?: Architecture;
  public?: boolean;
  launchPermissions?: string[];
  state?: ImageState;
  /** Pending images turn available this many ms from now; without it they stay in `state`. */
  availableAfterMs?: number;
  description?: string;
  tags?: Record<string, string>;
  creationDate?: string;
  encrypted?: boolean;
  productCodes?: string[];
  deprecationTime?: string;
  /** Root snapshot readable by everyone (makes the image copyable by anyone who can see it). */
  snapshotPublic?: boolean;
  snapshotTags?: Record<string, string>;
  snapshotDescription?: string;
  volumeSize?: number;
  sourceInstanceId?: string;
  sourceImageId?: string;
  sourceImageRegion?: string;
  noReboot?: boolean;
}

/** Creates an image plus its root snapshot, as every path that makes an image does on AWS. */
export function registerImage(store: Store, o: RegisterImageOptions): EmulatedImage {
  const imageId = o.imageId ?? newId('ami');
  if (!IMAGE_ID_RE.test(imageId)) throw new Error(`imageId ${imageId} is not in AWS's ami-<17 hex> form`);
  const pendingMs = o.state === 'pending' ? o.availableAfterMs : undefined;
  const snap = createSnapshot(store, {
    region: o.region,
    ownerId: o.ownerId,
    volumeSize: o.volumeSize ?? 8,
    encrypted: o.encrypted ?? false,
    public: o.snapshotPublic ?? false,
    description: o.snapshotDescription ?? `Created by CreateImage for ${imageId}`,
    tags: o.snapshotTags ?? {},
    ...(pendingMs !== undefined ? { completeAfterMs: pendingMs } : {}),
  });
  const img: EmulatedImage = {
    imageId,
    region: o.region,
    ownerId: o.ownerId,
    ownerAlias: o.ownerAlias,
    name: o.name,
    description: o.description,
    architecture: o.architecture ?? 'x86_64',
    state: o.state ?? 'available',
    public: o.public ?? false,
    launchPermissions: [...(o.launchPermissions ?? [])],
    tags: { ...o.tags },
    creationDate: o.creationDate ?? new Date().toISOString(),
    encrypted: o.encrypted ?? false,
    productCodes: [...(o.productCodes ?? [])],
    blockDeviceMappings: [
      {
        deviceName: '/dev/sda1',
        snapshotId: snap.snapshotId,
        volumeSize: snap.volumeSize,
        volumeType: 'gp3',
        encrypted: snap.encrypted,
        deleteOnTermination: true,
      },
    ],
    rootDeviceName: '/dev/sda1',
    deprecationTime: o.deprecationTime,
    sourceInstanceId: o.sourceInstanceId,
    sourceImageId: o.sourceImageId,
    sourceImageRegion: o.sourceImageRegion,
    noReboot: o.noReboot,
    availableAt: pendingMs !== undefined ? Date.now() + pendingMs : undefined,
  };
  store.region(o.region).images.set(imageId, img);
  return img;
}

const NAME_RE = /^[a-zA-Z0-9()[\]. /\-'@_]{3,128}$/;

function checkNewName(ctx: Ec2Context, name: string): void {
  if (!NAME_RE.test(name)) {
    throw new ApiError(
      'InvalidAMIName.Malformed',
      `AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'`,
    );
  }
  for (const img of regionOf(ctx).images.values()) {
    if (img.ownerId === ctx.accountId && img.name === name && img.state !== 'deregistered') {
      throw new ApiError('InvalidAMIName.Duplicate', `AMI name ${name} is already in use by AMI ${img.imageId}`);
    }
  }
}

const createImage: Ec2Handler = (ctx) => {
  const instanceId = required(ctx, 'InstanceId');
  checkInstanceId(instanceId);
  const inst = regionOf(ctx).instances.get(instanceId);
  if (!inst || inst.ownerId !== ctx.accountId) throw notFoundInstance([instanceId]);
  if (!['running', 'stopped', 'stopping'].includes(inst.state)) {
    throw new ApiError(
      'IncorrectInstanceState',
      `The instance '${instanceId}' is not in a state from which it can be imaged.`,
    );
  }
  const name = required(ctx, 'Name');
  checkNewName(ctx, name);
  const tagSpecs = readTagSpecifications(ctx, ['image', 'snapshot']);
  const imageId = newId('ami');
  const img = registerImage(ctx.store, {
    region: ctx.region,
    ownerId: ctx.accountId,
    imageId,
    name,
    description: ctx.params.get('Description'),
    architecture: inst.architecture,
    state: 'pending',
    availableAfterMs: ctx.timing.imageAvailableAfterMs,
    tags: tagSpecs.get('image'),
    snapshotTags: tagSpecs.get('snapshot'),
    snapshotDescription: `Created by CreateImage(${instanceId}) for ${imageId}`,
    volumeSize: inst.rootVolumeSize,
    sourceInstanceId: instanceId,
    noReboot: ctx.params.bool('NoReboot'),
  });
  ctx.store.disk.imageFromInstance(instanceId, img.imageId);
  return el('imageId', img.imageId);
};

const copyImage: Ec2Handler = (ctx) => {
  const sourceRegion = required(ctx, 'SourceRegion');
  const sourceImageId = required(ctx, 'SourceImageId');
  const name = required(ctx, 'Name');
  // The caller must be able to see the source image in the source region at all.
  const src = visibleImage(ctx.store, sourceRegion, ctx.accountId, sourceImageId);
  if (src.state !== 'available') {
    throw new ApiError(
      'IncorrectState',
      `The image '${sourceImageId}' is not in the 'available' state; it is '${src.state}'.`,
    );
  }
  // ...and read its storage: shared AMIs whose snapshots are not shared cannot be copied.
  const srcSnaps = ctx.store.region(sourceRegion).snapshots;
  for (const b of src.blockDeviceMappings) {
    const snap = srcSnaps.get(b.snapshotId);
    if (!snap || !canUseSnapshot(snap, ctx.accountId)) {
      throw new ApiError('InvalidRequest', 'You do not have permission to access the storage of this ami');
    }
  }
  checkNewName(ctx, name);
  const tagSpecs = readTagSpecifications(ctx, ['image', 'snapshot']);
  const copiedTags = ctx.params.bool('CopyImageTags') && src.ownerId === ctx.accountId ? src.tags : {};
  const imageId = newId('ami');
  const img = registerImage(ctx.store, {
    region: ctx.region,
    ownerId: ctx.accountId,
    imageId,
    name,
    description:
      ctx.params.get('Description') ?? `[Copied ${src.imageId} from ${sourceRegion}] ${src.description ?? src.name}`,
    architecture: src.architecture,
    state: 'pending',
    availableAfterMs: ctx.timing.imageAvailableAfterMs,
    tags: { ...copiedTags, ...tagSpecs.get('image') },
    snapshotTags: tagSpecs.get('snapshot'),
    snapshotDescription: `Copied for DestinationAmi ${imageId} from SourceAmi ${src.imageId} for SourceSnapshot ${src.blockDeviceMappings[0]?.snapshotId}`,
    encrypted: src.encrypted || ctx.params.bool('Encrypted'),
    productCodes: src.productCodes,
    volumeSize: src.blockDeviceMappings[0]?.volumeSize,
    sourceImageId: src.imageId,
    sourceImageRegion: sourceRegion,
  });
  ctx.store.disk.copyImage(src.imageId, img.imageId);
  return el('imageId', img.imageId);
};

export const imageCreateHandlers: Record<string, Ec2Handler> = {
  CreateImage: createImage,
  CopyImage: copyImage,
};
