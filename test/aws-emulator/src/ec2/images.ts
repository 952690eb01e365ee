/** Image reads and sharing: DescribeImages, image attributes, deregistration, block public access. */
import { ApiError, invalidValue, notFoundImage } from '../errors.js';
import type { EmulatedImage } from '../state.js';
import { canSeeImage } from '../state.js';
import { el, items, node } from '../xml.js';
import type { Ec2Handler, FilterSpec } from './common.js';
import {
  applyFilters,
  bool,
  checkImageId,
  isAccountId,
  ownedImage,
  paginate,
  readPermissionChanges,
  regionOf,
  required,
} from './common.js';
import { renderImage, renderImageBlockDevices } from './render.js';

const IMAGE_FILTERS: FilterSpec<EmulatedImage> = {
  name: (i) => i.name,
  architecture: (i) => i.architecture,
  state: (i) => i.state,
  'owner-id': (i) => i.ownerId,
  'owner-alias': (i) => i.ownerAlias,
  'image-id': (i) => i.imageId,
  'is-public': (i) => bool(i.public),
  'root-device-type': () => 'ebs',
  'root-device-name': (i) => i.rootDeviceName,
  'image-type': () => 'machine',
  'virtualization-type': () => 'hvm',
  hypervisor: () => 'xen',
  'ena-support': () => 'true',
  'platform-details': () => 'Linux/UNIX',
  description: (i) => i.description,
  'creation-date': (i) => i.creationDate,
  'deprecation-time': (i) => i.deprecationTime,
  'product-code': (i) => i.productCodes,
  'source-image-id': (i) => i.sourceImageId,
  'source-image-region': (i) => i.sourceImageRegion,
  'source-instance-id': (i) => i.sourceInstanceId,
  'block-device-mapping.snapshot-id': (i) => i.blockDeviceMappings.map((b) => b.snapshotId),
  'block-device-mapping.volume-size': (i) => i.blockDeviceMappings.map((b) => String(b.volumeSize)),
  'block-device-mapping.encrypted': (i) => i.blockDeviceMappings.map((b) => bool(b.encrypted)),
  'block-device-mapping.volume-type': (i) => i.blockDeviceMappings.map((b) => b.volumeType),
};

const OWNER_ALIASES = new Set(['self', 'amazon', 'aws-marketplace', 'aws-backup-vault']);

const describeImages: Ec2Handler = (ctx) => {
  const { params, accountId } = ctx;
  const ids = params.list('ImageId');
  for (const id of ids) checkImageId(id);
  const owners = params.list('Owner');
  for (const o of owners) {
    if (!OWNER_ALIASES.has(o) && !isAccountId(o))
      throw new ApiError('InvalidUserID.Malformed', `Invalid user id: "${o}"`);
  }
  const executableBy = params.list('ExecutableBy');

  // Disabled images (only their owner can see them) appear only with IncludeDisabled, even when named.
  const includeDisabled = params.bool('IncludeDisabled');
  let list = [...regionOf(ctx).images.values()].filter(
    (i) => i.state !== 'deregistered' && (includeDisabled || i.state !== 'disabled') && canSeeImage(i, accountId),
  );
  if (ids.length > 0) {
    const missing = ids.filter((id) => !list.some((i) => i.imageId === id));
    if (missing.length > 0) throw notFoundImage(missing);
    list = list.filter((i) => ids.includes(i.imageId));
  }
  if (owners.length > 0) {
    list = list.filter((i) =>
      owners.some((o) =>
        o === 'self' ? i.ownerId === accountId : OWNER_ALIASES.has(o) ? i.ownerAlias === o : i.ownerId === o,
      ),
    );
  }
  if (executableBy.length > 0) {
    list = list.filter((i) =>
      executableBy.some((e) => {
        if (e === 'all') return i.public;
        if (e === 'self' || e === accountId) return i.ownerId === accountId || i.launchPermissions.includes(accountId);
        return i.launchPermissions.includes(e);
      }),
    );
  }
  // Deprecated images are hidden from searches unless asked for, named explicitly, or owned.
  if (!params.bool('IncludeDeprecated') && ids.length === 0) {
    const now = Date.now();
    list = list.filter((i) => !i.deprecationTime || Date.parse(i.deprecationTime) > now || i.ownerId === accountId);
  }
  list = applyFilters(list, params.members('Filter'), IMAGE_FILTERS);
  const { page, nextToken } = paginate(ctx, list);
  return items('imagesSet', page, renderImage) + el('nextToken', nextToken);
};

const describeImageAttribute: Ec2Handler = (ctx) => {
  const attribute = required(ctx, 'Attribute');
  const img = ownedImage(ctx, required(ctx, 'ImageId'));
  const value = (v: string | undefined) => (v === undefined ? `<${attribute}/>` : node(attribute, el('value', v)));
  let body: string;
  switch (attribute) {
    case 'launchPermission':
      body = items(
        'launchPermission',
        [...img.launchPermissions.map((u) => el('userId', u)), ...(img.public ? [el('group', 'all')] : [])],
        (x) => x,
      );
      break;
    case 'description':
      body = value(img.description);
      break;
    case 'blockDeviceMapping':
      body = renderImageBlockDevices(img);
      break;
    case 'productCodes':
      body = items('productCodes', img.productCodes, (c) => el('productCode', c) + el('type', 'marketplace'));
      break;
    case 'sriovNetSupport':
      body = value('simple');
      break;
    case 'bootMode':
      body = value(img.architecture === 'arm64' ? 'uefi' : 'uefi-preferred');
      break;
    case 'imdsSupport':
      body = value('v2.0');
      break;
    case 'deregistrationProtection':
      body = value('disabled');
      break;
    case 'kernel':
    case 'ramdisk':
    case 'tpmSupport':
    case 'uefiData':
    case 'lastLaunchedTime':
      body = value(undefined);
      break;
    default:
      throw invalidValue('attribute', attribute, 'Unknown attribute.');
  }
  return el('imageId', img.imageId) + body;
};

export function blockedPublicSharingError(): ApiError {
  return new ApiError(
    'OperationNotPermitted',
    'You can’t publicly share this image because block public access for AMIs is enabled for this account. To publicly share the image, you must call the DisableImageBlockPublicAccess API.',
  );
}

const modifyImageAttribute: Ec2Handler = (ctx) => {
  const img = ownedImage(ctx, required(ctx, 'ImageId'));
  const attribute = ctx.params.get('Attribute');
  const { add, remove } = readPermissionChanges(ctx, 'LaunchPermission', 'InvalidAMIAttributeItemValue');
  const description =
    ctx.params.get('Description.Value') ?? (attribute === 'description' ? ctx.params.get('Value') : undefined);
  if (add.length === 0 && remove.length === 0 && description === undefined) {
    throw new ApiError('InvalidParameterCombination', 'No attributes specified.');
  }
  if (add.length > 0 && img.state === 'disabled') {
    throw new ApiError(
      'OperationNotPermitted',
      `The image ${img.imageId} is disabled and can't be shared; enable it first.`,
    );
  }
  if (add.some((c) => c.group === 'all') && ctx.store.bpaState(ctx.accountId, ctx.region) === 'block-new-sharing') {
    throw blockedPublicSharingError();
  }
  for (const c of add) {
    if (c.group === 'all') img.public = true;
    if (c.userId && c.userId !== img.ownerId && !img.launchPermissions.includes(c.userId))
      img.launchPermissions.push(c.userId);
  }
  for (const c of remove) {
    if (c.group === 'all') img.public = false;
    if (c.userId) img.launchPermissions = img.launchPermissions.filter((u) => u !== c.userId);
  }
  if (description !== undefined) img.description = description;
  return el('return', 'true');
};

const deregisterImage: Ec2Handler = (ctx) => {
  const img = ownedImage(ctx, required(ctx, 'ImageId'));
  const region = regionOf(ctx);
  region.images.delete(img.imageId);
  if (!ctx.params.bool('DeleteAssociatedSnapshots')) return el('return', 'true');
  const results = img.blockDeviceMappings.map((b) => {
    const ok = region.snapshots.delete(b.snapshotId);
    return el('snapshotId', b.snapshotId) + el('returnCode', ok ? 'success' : 'error-generic');
  });
  return el('return', 'true') + items('deleteSnapshotResultSet', results, (x) => x);
};

const getImageBlockPublicAccessState: Ec2Handler = (ctx) =>
  el('imageBlockPublicAccessState', ctx.store.bpaState(ctx.accountId, ctx.region)) + el('managedBy', 'account');

const enableImageBlockPublicAccess: Ec2Handler = (ctx) => {
  const state = required(ctx, 'ImageBlockPublicAccessState');
  if (state !== 'block-new-sharing') throw invalidValue('ImageBlockPublicAccessState', state);
  ctx.store.blockPublicAccess.set(`${ctx.accountId}/${ctx.region}`, 'block-new-sharing');
  return el('imageBlockPublicAccessState', state);
};

const disableImageBlockPublicAccess: Ec2Handler = (ctx) => {
  ctx.store.blockPublicAccess.set(`${ctx.accountId}/${ctx.region}`, 'unblocked');
  return el('imageBlockPublicAccessState', 'unblocked');
};

export const imageHandlers: Record<string, Ec2Handler> = {
  DescribeImages: describeImages,
  DescribeImageAttribute: describeImageAttribute,
  ModifyImageAttribute: modifyImageAttribute,
  DeregisterImage: deregisterImage,
  GetImageBlockPublicAccessState: getImageBlockPublicAccessState,
  EnableImageBlockPublicAccess: enableImageBlockPublicAccess,
  DisableImageBlockPublicAccess: disableImageBlockPublicAccess,
};
