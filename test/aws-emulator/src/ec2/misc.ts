/** Tagging across resource types, and DescribeRegions. */
import { ApiError, notFoundInstance, notFoundSnapshot } from '../errors.js';
import { canUseSnapshot } from '../state.js';
import { el, items } from '../xml.js';
import type { Ec2Context, Ec2Handler } from './common.js';
import {
  applyFilters,
  checkInstanceId,
  checkSnapshotId,
  ownedImage,
  readTagList,
  readTags,
  regionOf,
} from './common.js';

const MAX_TAGS = 50;

/** Resolves an id of any taggable type to the tag map of a resource the caller owns. */
function ownedTags(ctx: Ec2Context, id: string): Record<string, string> {
  if (id.startsWith('ami-')) return ownedImage(ctx, id).tags;
  if (id.startsWith('i-')) {
    checkInstanceId(id);
    const inst = regionOf(ctx).instances.get(id);
    if (!inst || inst.ownerId !== ctx.accountId) throw notFoundInstance([id]);
    return inst.tags;
  }
  if (id.startsWith('snap-')) {
    checkSnapshotId(id);
    const snap = regionOf(ctx).snapshots.get(id);
    if (!snap || !canUseSnapshot(snap, ctx.accountId)) throw notFoundSnapshot(id);
    if (snap.ownerId !== ctx.accountId) throw new ApiError('AuthFailure', `Not authorized for snapshot:${id}`);
    return snap.tags;
  }
  throw new ApiError('InvalidID', `The ID '${id}' is not valid`);
}

const createTags: Ec2Handler = (ctx) => {
  const ids = ctx.params.list('ResourceId');
  if (ids.length === 0) throw new ApiError('MissingParameter', 'The request must contain the parameter ResourceId');
  const tags = readTags(ctx.params.members('Tag'));
  if (Object.keys(tags).length === 0)
    throw new ApiError('MissingParameter', 'The request must contain the parameter Tag');
  const targets = ids.map((id) => ownedTags(ctx, id));
  for (const t of targets) {
    if (Object.keys({ ...t, ...tags }).length > MAX_TAGS) {
      throw new ApiError('TagLimitExceeded', `The maximum number of Tags for a resource has been reached.`);
    }
  }
  for (const t of targets) Object.assign(t, tags);
  return el('return', 'true');
};

const deleteTags: Ec2Handler = (ctx) => {
  const ids = ctx.params.list('ResourceId');
  if (ids.length === 0) throw new ApiError('MissingParameter', 'The request must contain the parameter ResourceId');
  const spec = readTagList(ctx.params.members('Tag'));
  const targets = ids.map((id) => ownedTags(ctx, id));
  for (const t of targets) {
    // No Tag.N at all deletes every tag; a Tag with a Value deletes only on an exact match.
    if (spec.length === 0) for (const k of Object.keys(t)) delete t[k];
    for (const { key, value } of spec) if (value === undefined || t[key] === value) delete t[key];
  }
  return el('return', 'true');
};

export const REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'sa-east-1',
];
/** Opt-in regions appear only with AllRegions=true, as on a fresh account. */
const OPT_IN_REGIONS = ['af-south-1', 'ap-east-1', 'eu-south-1', 'me-south-1'];

interface RegionRow {
  name: string;
  optIn: string;
  tags: Record<string, string>;
}

const describeRegions: Ec2Handler = (ctx) => {
  const all = ctx.params.bool('AllRegions');
  let rows: RegionRow[] = [
    ...REGIONS.map((name) => ({ name, optIn: 'opt-in-not-required', tags: {} })),
    ...(all ? OPT_IN_REGIONS.map((name) => ({ name, optIn: 'not-opted-in', tags: {} })) : []),
  ];
  const names = ctx.params.list('RegionName');
  if (names.length > 0) {
    const unknown = names.filter((n) => !rows.some((r) => r.name === n));
    if (unknown.length > 0)
      throw new ApiError('InvalidParameterValue', `Invalid region names: [${unknown.join(', ')}]`);
    rows = rows.filter((r) => names.includes(r.name));
  }
  rows = applyFilters(rows, ctx.params.members('Filter'), {
    'region-name': (r) => r.name,
    endpoint: (r) => `ec2.${r.name}.amazonaws.com`,
    'opt-in-status': (r) => r.optIn,
  });
  return items(
    'regionInfo',
    rows,
    (r) => el('regionName', r.name) + el('regionEndpoint', `ec2.${r.name}.amazonaws.com`) + el('optInStatus', r.optIn),
  );
};

export const miscHandlers: Record<string, Ec2Handler> = {
  CreateTags: createTags,
  DeleteTags: deleteTags,
  DescribeRegions: describeRegions,
};
