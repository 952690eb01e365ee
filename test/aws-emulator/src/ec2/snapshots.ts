/** EBS snapshots: the storage behind images. Copying an image needs read access to them. */
import { ApiError, notFoundSnapshot } from '../errors.js';
import type { EmulatedSnapshot, Store } from '../state.js';
import { canUseSnapshot, newId } from '../state.js';
import { el, items } from '../xml.js';
import type { Ec2Context, Ec2Handler, FilterSpec } from './common.js';
import {
  applyFilters,
  bool,
  checkSnapshotId,
  isAccountId,
  paginate,
  readPermissionChanges,
  regionOf,
  required,
} from './common.js';
import { renderSnapshot } from './render.js';

export function createSnapshot(
  store: Store,
  opts: {
    region: string;
    ownerId: string;
    volumeSize?: number;
    encrypted?: boolean;
    description?: string;
    public?: boolean;
    tags?: Record<string, string>;
    /** Completes after this many ms; completed immediately when omitted. */
    completeAfterMs?: number;
  },
): EmulatedSnapshot {
  const snap: EmulatedSnapshot = {
    snapshotId: newId('snap'),
    region: opts.region,
    ownerId: opts.ownerId,
    volumeSize: opts.volumeSize ?? 8,
    encrypted: opts.encrypted ?? false,
    description: opts.description ?? '',
    startTime: new Date().toISOString(),
    state: opts.completeAfterMs ? 'pending' : 'completed',
    public: opts.public ?? false,
    createVolumePermissions: [],
    tags: { ...opts.tags },
  };
  if (opts.completeAfterMs) snap.completedAt = Date.now() + opts.completeAfterMs;
  store.region(opts.region).snapshots.set(snap.snapshotId, snap);
  return snap;
}

const SNAPSHOT_FILTERS: FilterSpec<EmulatedSnapshot> = {
  'snapshot-id': (s) => s.snapshotId,
  'owner-id': (s) => s.ownerId,
  status: (s) => s.state,
  'volume-size': (s) => String(s.volumeSize),
  'volume-id': () => 'vol-ffffffff',
  description: (s) => s.description,
  encrypted: (s) => bool(s.encrypted),
  'start-time': (s) => s.startTime,
  progress: (s) => (s.state === 'completed' ? '100%' : '0%'),
  'storage-tier': () => 'standard',
};

const describeSnapshots: Ec2Handler = (ctx) => {
  const { params, accountId } = ctx;
  const ids = params.list('SnapshotId');
  for (const id of ids) checkSnapshotId(id);
  const owners = params.list('Owner');
  const restorableBy = params.list('RestorableBy');
  let list = [...regionOf(ctx).snapshots.values()].filter((s) => canUseSnapshot(s, accountId));
  if (ids.length > 0) {
    const missing = ids.find((id) => !list.some((s) => s.snapshotId === id));
    if (missing) throw notFoundSnapshot(missing);
    list = list.filter((s) => ids.includes(s.snapshotId));
  }
  if (owners.length > 0) list = list.filter((s) => owners.some((o) => (o === 'self' ? accountId : o) === s.ownerId));
  if (restorableBy.length > 0) {
    list = list.filter((s) =>
      restorableBy.some((r) => (r === 'all' ? s.public : canUseSnapshot(s, r === 'self' ? accountId : r))),
    );
  }
  list = applyFilters(list, params.members('Filter'), SNAPSHOT_FILTERS);
  const { page, nextToken } = paginate(ctx, list, 5);
  return items('snapshotSet', page, renderSnapshot) + el('nextToken', nextToken);
};

function ownedSnapshot(ctx: Ec2Context, id: string): EmulatedSnapshot {
  checkSnapshotId(id);
  const snap = regionOf(ctx).snapshots.get(id);
  if (!snap || !canUseSnapshot(snap, ctx.accountId)) throw notFoundSnapshot(id);
  if (snap.ownerId !== ctx.accountId) throw new ApiError('AuthFailure', `Not authorized for snapshot:${id}`);
  return snap;
}

const describeSnapshotAttribute: Ec2Handler = (ctx) => {
  const attribute = required(ctx, 'Attribute');
  const snap = ownedSnapshot(ctx, required(ctx, 'SnapshotId'));
  if (attribute === 'createVolumePermission') {
    const perms = [
      ...snap.createVolumePermissions.map((u) => el('userId', u)),
      ...(snap.public ? [el('group', 'all')] : []),
    ];
    return el('snapshotId', snap.snapshotId) + items('createVolumePermission', perms, (x) => x);
  }
  if (attribute === 'productCodes') return el('snapshotId', snap.snapshotId) + '<productCodes/>';
  throw new ApiError(
    'InvalidParameterValue',
    `Value (${attribute}) for parameter attribute is invalid. Unknown attribute.`,
  );
};

const modifySnapshotAttribute: Ec2Handler = (ctx) => {
  const snap = ownedSnapshot(ctx, required(ctx, 'SnapshotId'));
  const attribute = ctx.params.get('Attribute');
  if (attribute !== undefined && attribute !== 'createVolumePermission') {
    throw new ApiError('InvalidParameterValue', `Value (${attribute}) for parameter attribute is invalid.`);
  }
  const { add, remove } = readPermissionChanges(ctx, 'CreateVolumePermission', 'InvalidParameterValue');
  if (add.length === 0 && remove.length === 0)
    throw new ApiError('InvalidParameterCombination', 'No attributes specified.');
  for (const c of add) {
    if (c.group === 'all') snap.public = true;
    if (c.userId && isAccountId(c.userId) && !snap.createVolumePermissions.includes(c.userId)) {
      snap.createVolumePermissions.push(c.userId);
    }
  }
  for (const c of remove) {
    if (c.group === 'all') snap.public = false;
    if (c.userId) snap.createVolumePermissions = snap.createVolumePermissions.filter((u) => u !== c.userId);
  }
  return el('return', 'true');
};

export const snapshotHandlers: Record<string, Ec2Handler> = {
  DescribeSnapshots: describeSnapshots,
  DescribeSnapshotAttribute: describeSnapshotAttribute,
  ModifySnapshotAttribute: modifySnapshotAttribute,
};
