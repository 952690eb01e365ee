/** Shared EC2 plumbing: the handler context, id validation, visibility checks, filters, tags, paging. */
import {
  ApiError,
  invalidValue,
  malformedImage,
  malformedInstance,
  malformedSnapshot,
  notFoundImage,
} from '../errors.js';
import type { QueryParams } from '../query.js';
import type { EmulatedImage, RegionState, Store } from '../state.js';
import { canSeeImage } from '../state.js';

export interface EmulatorTiming {
  imageAvailableAfterMs: number;
  instanceTransitionMs: number;
  /** The SSM agent of a running instance with an instance profile is Online after this long. */
  ssmAgentOnlineAfterMs: number;
  /** Inspector2 has scanned a running instance this long after it started. */
  inspectorScanAfterMs: number;
}

export interface Ec2Context {
  store: Store;
  region: string;
  accountId: string;
  params: QueryParams;
  timing: EmulatorTiming;
}

/** Returns the inner XML of `<ActionResponse>` (everything after `<requestId>`). */
export type Ec2Handler = (ctx: Ec2Context) => string;

// AWS accepts the legacy 8-hex form as well as the current 17-hex form.
export const IMAGE_ID_RE = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;
export const INSTANCE_ID_RE = /^i-([0-9a-f]{8}|[0-9a-f]{17})$/;
export const SNAPSHOT_ID_RE = /^snap-([0-9a-f]{8}|[0-9a-f]{17})$/;
const ACCOUNT_RE = /^\d{12}$/;

export function regionOf(ctx: Ec2Context): RegionState {
  return ctx.store.region(ctx.region);
}

export function required(ctx: Ec2Context, name: string): string {
  const v = ctx.params.get(name);
  if (v === undefined || v === '')
    throw new ApiError('MissingParameter', `The request must contain the parameter ${name}`);
  return v;
}

export function checkImageId(id: string): void {
  if (!IMAGE_ID_RE.test(id)) throw malformedImage(id);
}

export function checkInstanceId(id: string): void {
  if (!INSTANCE_ID_RE.test(id)) throw malformedInstance(id);
}

export function checkSnapshotId(id: string): void {
  if (!SNAPSHOT_ID_RE.test(id)) throw malformedSnapshot(id);
}

export function isAccountId(s: string): boolean {
  return ACCOUNT_RE.test(s);
}

/** An image the caller may see in the given region; anything else is indistinguishable from absent. */
export function visibleImage(store: Store, region: string, accountId: string, imageId: string): EmulatedImage {
  checkImageId(imageId);
  const img = store.region(region).images.get(imageId);
  if (!img || img.state === 'deregistered' || !canSeeImage(img, accountId)) throw notFoundImage([imageId]);
  return img;
}

/** Attribute reads and writes are owner-only; a visible but foreign image gives AuthFailure as on AWS. */
export function ownedImage(ctx: Ec2Context, imageId: string): EmulatedImage {
  const img = visibleImage(ctx.store, ctx.region, ctx.accountId, imageId);
  if (img.ownerId !== ctx.accountId) throw new ApiError('AuthFailure', `Not authorized for image:${imageId}`);
  return img;
}

// ---- filters -------------------------------------------------------------------------------

export type FilterSpec<T> = Record<string, (item: T) => string | string[] | undefined>;

/** AWS filter values are case-sensitive and accept `*` and `?` wildcards (backslash escapes them). */
export function wildcard(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i] as string);
    else if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, 's');
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Filters AND together; the values of one filter OR together. */
export function applyFilters<T extends { tags: Record<string, string> }>(
  list: T[],
  filters: QueryParams[],
  spec: FilterSpec<T>,
): T[] {
  let out = list;
  for (const f of filters) {
    const name = f.get('Name') ?? '';
    const patterns = f.list('Value').map(wildcard);
    if (patterns.length === 0) continue;
    let read: (item: T) => string | string[] | undefined;
    if (name.startsWith('tag:')) {
      const key = name.slice(4);
      read = (item) => item.tags[key];
    } else if (name === 'tag-key') read = (item) => Object.keys(item.tags);
    else if (name === 'tag-value') read = (item) => Object.values(item.tags);
    else if (spec[name]) read = spec[name];
    else throw new ApiError('InvalidParameterValue', `The filter '${name}' is invalid`);
    out = out.filter((item) => {
      const v = read(item);
      const values = v === undefined ? [] : Array.isArray(v) ? v : [v];
      return values.some((x) => patterns.some((p) => p.test(x)));
    });
  }
  return out;
}

// ---- tags ----------------------------------------------------------------------------------

export function readTagList(list: QueryParams[]): Array<{ key: string; value?: string }> {
  return list.map((t) => {
    const key = t.get('Key');
    if (key === undefined || key === '') throw new ApiError('InvalidParameterValue', 'Tag key must not be empty');
    if (key.length > 128) throw invalidValue('Tag.Key', key, 'Tag keys can have at most 128 characters.');
    if (key.toLowerCase().startsWith('aws:')) {
      throw new ApiError('InvalidParameterValue', `Tag keys starting with 'aws:' are reserved for internal use`);
    }
    const value = t.get('Value');
    if (value !== undefined && value.length > 256) {
      throw invalidValue('Tag.Value', value, 'Tag values can have at most 256 characters.');
    }
    return value === undefined ? { key } : { key, value };
  });
}

export function readTags(list: QueryParams[]): Record<string, string> {
  return Object.fromEntries(readTagList(list).map((t) => [t.key, t.value ?? '']));
}

/** `TagSpecification.N.ResourceType` + `.Tag.M.Key/Value`, grouped by resource type. */
export function readTagSpecifications(ctx: Ec2Context, allowed: string[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const spec of ctx.params.members('TagSpecification')) {
    const type = spec.get('ResourceType') ?? '';
    if (!allowed.includes(type)) {
      throw new ApiError(
        'InvalidParameterValue',
        `'${type}' is not a valid taggable resource type for this operation.`,
      );
    }
    out.set(type, { ...out.get(type), ...readTags(spec.members('Tag')) });
  }
  return out;
}

// ---- permissions ---------------------------------------------------------------------------

export interface PermissionChange {
  userId?: string;
  group?: string;
}

/**
 * Launch/create-volume permission edits in both wire forms: `Prefix.Add.N.UserId|Group` and the
 * older `OperationType=add&UserId.N=..&UserGroup.N=all`.
 */
export function readPermissionChanges(
  ctx: Ec2Context,
  prefix: string,
  badItemCode: string,
): { add: PermissionChange[]; remove: PermissionChange[] } {
  const { params } = ctx;
  const read = (op: 'Add' | 'Remove'): PermissionChange[] =>
    params
      .sub(prefix)
      .members(op)
      .map((m) => ({ userId: m.get('UserId'), group: m.get('Group') }));
  const add = read('Add');
  const remove = read('Remove');
  const userIds = params.list('UserId');
  const groups = params.list('UserGroup');
  if (userIds.length > 0 || groups.length > 0) {
    const op = params.get('OperationType');
    if (op !== 'add' && op !== 'remove') throw invalidValue('OperationType', String(op), 'Expected add or remove.');
    const target = op === 'add' ? add : remove;
    for (const u of userIds) target.push({ userId: u });
    for (const g of groups) target.push({ group: g });
  }
  for (const c of [...add, ...remove]) {
    if (c.userId !== undefined && !isAccountId(c.userId)) {
      throw new ApiError(badItemCode, `Invalid attribute item value "${c.userId}" for userId item type.`);
    }
    if (c.group !== undefined && c.group !== 'all') {
      throw new ApiError(badItemCode, `Invalid attribute item value "${c.group}" for group item type.`);
    }
    if (c.userId === undefined && c.group === undefined) {
      throw new ApiError('InvalidParameterCombination', 'A permission needs a UserId or a Group.');
    }
  }
  return { add, remove };
}

// ---- paging --------------------------------------------------------------------------------

/** Offset-based NextToken; opaque to clients like AWS's. */
export function paginate<T>(ctx: Ec2Context, list: T[], min = 1, max = 1000): { page: T[]; nextToken?: string } {
  const maxResults = ctx.params.int('MaxResults');
  const token = ctx.params.get('NextToken');
  let start = 0;
  if (token) {
    const decoded = Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^o:/, ''));
    if (!Number.isInteger(decoded) || decoded < 0) throw new ApiError('InvalidNextToken', 'The token is invalid.');
    start = decoded;
  }
  if (maxResults === undefined) return { page: list.slice(start) };
  if (Number.isNaN(maxResults) || maxResults < min || maxResults > max) {
    throw invalidValue('MaxResults', String(ctx.params.get('MaxResults')), `Must be between ${min} and ${max}.`);
  }
  const page = list.slice(start, start + maxResults);
  const next =
    start + maxResults < list.length ? Buffer.from(`o:${start + maxResults}`).toString('base64url') : undefined;
  return next ? { page, nextToken: next } : { page };
}

export const bool = (b: boolean): string => (b ? 'true' : 'false');
