/** Instances and AWS's state machine: pending -> running -> stopping -> stopped -> pending ..., and termination. */
import { createHash, randomBytes } from 'node:crypto';
import { ApiError, invalidValue, notFoundInstance } from '../errors.js';
import type { Architecture, EmulatedInstance, InstanceStateName } from '../state.js';
import { INSTANCE_STATE_CODES, newId } from '../state.js';
import { el, items, node } from '../xml.js';
import type { Ec2Context, Ec2Handler, FilterSpec } from './common.js';
import {
  applyFilters,
  checkInstanceId,
  paginate,
  readTagSpecifications,
  regionOf,
  required,
  visibleImage,
} from './common.js';
import { renderInstance, renderState } from './render.js';

const INSTANCE_TYPE_RE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;

/** Graviton families carry a `g` after the generation digit (t4g, m7g, c7gn, x2gd); a1 and mac2 are Arm too. */
export function instanceTypeArchitecture(type: string): Architecture {
  const family = type.split('.')[0] ?? '';
  if (family === 'a1' || family.startsWith('mac2') || /^[a-z]+\d+g/.test(family)) return 'arm64';
  return 'x86_64';
}

const deterministicId = (prefix: string, seed: string) =>
  `${prefix}-${createHash('sha256').update(seed).digest('hex').slice(0, 17)}`;

const runInstances: Ec2Handler = (ctx) => {
  const { params } = ctx;
  const imageId = required(ctx, 'ImageId');
  const img = visibleImage(ctx.store, ctx.region, ctx.accountId, imageId);
  if (img.state !== 'available') {
    throw new ApiError('InvalidAMIID.Unavailable', `The image '${imageId}' is not available (state: ${img.state}).`);
  }
  const min = params.int('MinCount');
  const max = params.int('MaxCount');
  if (min === undefined) throw new ApiError('MissingParameter', 'The request must contain the parameter MinCount');
  if (max === undefined) throw new ApiError('MissingParameter', 'The request must contain the parameter MaxCount');
  if (Number.isNaN(min) || min < 1) throw invalidValue('MinCount', String(params.get('MinCount')));
  if (Number.isNaN(max) || max < min)
    throw invalidValue('MaxCount', String(params.get('MaxCount')), 'MaxCount must be >= MinCount.');
  const instanceType = params.get('InstanceType') ?? 'm1.small';
  if (!INSTANCE_TYPE_RE.test(instanceType))
    throw new ApiError('InvalidParameterValue', `Invalid value '${instanceType}' for InstanceType.`);
  const typeArch = instanceTypeArchitecture(instanceType);
  if (typeArch !== img.architecture) {
    throw new ApiError(
      'InvalidParameterValue',
      `The architecture '${typeArch}' of the specified instance type does not match the architecture '${img.architecture}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again.`,
    );
  }
  const subnetId = params.get('SubnetId') ?? deterministicId('subnet', `${ctx.accountId}/${ctx.region}`);
  if (!/^subnet-[0-9a-f]{8,17}$/.test(subnetId))
    throw new ApiError('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`);
  const userData = params.get('UserData');
  if (userData !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(userData)) {
    throw new ApiError('InvalidParameterValue', 'Invalid BASE64 encoding of user data.');
  }
  if (userData !== undefined && Buffer.from(userData, 'base64').length > 16 * 1024) {
    throw new ApiError('InvalidParameterValue', 'User data is limited to 16384 bytes');
  }
  const profile = readInstanceProfile(ctx);
  const httpTokens = params.get('MetadataOptions.HttpTokens') ?? 'required';
  if (httpTokens !== 'required' && httpTokens !== 'optional')
    throw invalidValue('MetadataOptions.HttpTokens', httpTokens, "Valid values are 'required' and 'optional'.");
  const securityGroupIds = params.list('SecurityGroupId');
  const unknownGroups = securityGroupIds.filter((id) => {
    const g = ctx.store.securityGroups.get(id);
    return !g || g.ownerId !== ctx.accountId || g.region !== ctx.region;
  });
  if (unknownGroups.length > 0) {
    throw new ApiError('InvalidGroup.NotFound', `The security group '${unknownGroups[0]}' does not exist`);
  }
  const shutdown = params.get('InstanceInitiatedShutdownBehavior') ?? 'stop';
  if (shutdown !== 'stop' && shutdown !== 'terminate') {
    throw invalidValue('InstanceInitiatedShutdownBehavior', shutdown);
  }
  const tags = readTagSpecifications(ctx, ['instance', 'volume', 'network-interface', 'spot-instances-request']).get(
    'instance',
  );
  const region = regionOf(ctx);
  const clientToken = params.get('ClientToken');
  // Idempotency: the SDK retries with the same ClientToken, which must not launch twice.
  if (clientToken) {
    const prior = [...region.instances.values()].filter(
      (i) => i.ownerId === ctx.accountId && i.clientToken === clientToken,
    );
    if (prior.length > 0) return renderReservation(prior);
  }
  const reservationId = newId('r');
  const now = Date.now();
  const launched: EmulatedInstance[] = [];
  for (let n = 0; n < max; n++) {
    const b = randomBytes(2);
    const inst: EmulatedInstance = {
      instanceId: newId('i'),
      region: ctx.region,
      ownerId: ctx.accountId,
      reservationId,
      imageId,
      instanceType,
      architecture: img.architecture,
      state: 'pending',
      launchTime: new Date(now).toISOString().replace(/\.\d{3}Z$/, '.000Z'),
      availabilityZone: `${ctx.region}a`,
      subnetId,
      vpcId: deterministicId('vpc', `${ctx.accountId}/${ctx.region}`),
      privateIpAddress: `172.31.${b[0] ?? 0}.${((b[1] ?? 0) % 250) + 4}`,
      keyName: params.get('KeyName'),
      userData,
      tags: { ...tags },
      amiLaunchIndex: n,
      clientToken,
      rootVolumeSize: img.blockDeviceMappings[0]?.volumeSize ?? 8,
      stateTransitionReason: '',
      transition: { to: 'running', at: now + ctx.timing.instanceTransitionMs },
      iamInstanceProfile: profile,
      httpTokens,
      securityGroupIds,
      instanceInitiatedShutdownBehavior: shutdown,
    };
    ctx.store.disk.launch(imageId, inst.instanceId);
    region.instances.set(inst.instanceId, inst);
    launched.push(inst);
  }
  return renderReservation(launched);
};

/**
 * IamInstanceProfile.Name or .Arn (not both). The emulator has no IAM: any well-formed name is taken to exist, with
 * the caller's account in its ARN.
 */
function readInstanceProfile(ctx: Ec2Context): EmulatedInstance['iamInstanceProfile'] {
  const name = ctx.params.get('IamInstanceProfile.Name');
  const arn = ctx.params.get('IamInstanceProfile.Arn');
  if (name === undefined && arn === undefined) return undefined;
  if (name !== undefined && arn !== undefined)
    throw new ApiError(
      'InvalidParameterCombination',
      'The parameter IamInstanceProfile.Name cannot be used with IamInstanceProfile.Arn',
    );
  if (name !== undefined && !/^[\w+=,.@-]{1,128}$/.test(name)) throw invalidValue('IamInstanceProfile.Name', name);
  if (arn !== undefined && !/^arn:aws:iam::\d{12}:instance-profile\/[\w+=,.@/-]{1,128}$/.test(arn))
    throw invalidValue('IamInstanceProfile.Arn', arn);
  const full = arn ?? `arn:aws:iam::${ctx.accountId}:instance-profile/${name}`;
  return { arn: full, id: deterministicId('AIPA', full).replace('-', '').toUpperCase().slice(0, 21) };
}

function renderReservation(list: EmulatedInstance[]): string {
  const first = list[0] as EmulatedInstance;
  return (
    el('reservationId', first.reservationId) +
    el('ownerId', first.ownerId) +
    '<groupSet/>' +
    items('instancesSet', list, renderInstance)
  );
}

const INSTANCE_FILTERS: FilterSpec<EmulatedInstance> = {
  'instance-state-name': (i) => i.state,
  'instance-state-code': (i) => String(INSTANCE_STATE_CODES[i.state]),
  'instance-id': (i) => i.instanceId,
  'image-id': (i) => i.imageId,
  'instance-type': (i) => i.instanceType,
  'key-name': (i) => i.keyName,
  'subnet-id': (i) => i.subnetId,
  'vpc-id': (i) => i.vpcId,
  'availability-zone': (i) => i.availabilityZone,
  architecture: (i) => i.architecture,
  'owner-id': (i) => i.ownerId,
  'reservation-id': (i) => i.reservationId,
  'private-ip-address': (i) => i.privateIpAddress,
  'ip-address': (i) => i.publicIpAddress,
  'launch-time': (i) => i.launchTime,
  'client-token': (i) => i.clientToken,
};

/** Owned instances by id; any unknown or foreign id fails the whole call, as on AWS. */
function ownedInstances(ctx: Ec2Context, ids: string[]): EmulatedInstance[] {
  for (const id of ids) checkInstanceId(id);
  const region = regionOf(ctx);
  const missing = ids.filter((id) => region.instances.get(id)?.ownerId !== ctx.accountId);
  if (missing.length > 0) throw notFoundInstance(missing);
  return ids.map((id) => region.instances.get(id) as EmulatedInstance);
}

const describeInstances: Ec2Handler = (ctx) => {
  const ids = ctx.params.list('InstanceId');
  let list =
    ids.length > 0
      ? ownedInstances(ctx, ids)
      : [...regionOf(ctx).instances.values()].filter((i) => i.ownerId === ctx.accountId);
  list = applyFilters(list, ctx.params.members('Filter'), INSTANCE_FILTERS);
  const { page, nextToken } = paginate(ctx, list, 5);
  const byReservation = new Map<string, EmulatedInstance[]>();
  for (const i of page) byReservation.set(i.reservationId, [...(byReservation.get(i.reservationId) ?? []), i]);
  return items('reservationSet', [...byReservation.values()], renderReservation) + el('nextToken', nextToken);
};

type Transition = (i: EmulatedInstance, now: number, ms: number) => void;
interface StateOp {
  /** States where the call is a no-op that still succeeds. */
  unchanged: InstanceStateName[];
  /** States the call moves from, and how. */
  from: Partial<Record<InstanceStateName, Transition>>;
  verb: string;
}

const gmt = (now: number) =>
  new Date(now)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' GMT');
const userShutdown = {
  code: 'Client.UserInitiatedShutdown',
  message: 'Client.UserInitiatedShutdown: User initiated shutdown',
};

const STOP: StateOp = {
  verb: 'stopped',
  unchanged: ['stopping', 'stopped'],
  from: {
    running: (i, now, ms) => {
      i.state = 'stopping';
      i.transition = { to: 'stopped', at: now + ms };
      i.stateTransitionReason = `User initiated (${gmt(now)})`;
      i.stateReason = userShutdown;
    },
  },
};

const START: StateOp = {
  verb: 'started',
  unchanged: ['pending', 'running'],
  from: {
    stopped: (i, now, ms) => {
      i.state = 'pending';
      i.transition = { to: 'running', at: now + ms };
      i.stateTransitionReason = '';
      i.stateReason = undefined;
    },
  },
};

const goDown: Transition = (i, now, ms) => {
  i.state = 'shutting-down';
  i.transition = { to: 'terminated', at: now + ms };
  i.stateTransitionReason = `User initiated (${gmt(now)})`;
  i.stateReason = userShutdown;
};

const TERMINATE: StateOp = {
  verb: 'terminated',
  unchanged: ['shutting-down', 'terminated'],
  from: { pending: goDown, running: goDown, stopping: goDown, stopped: goDown },
};

function changeState(op: StateOp): Ec2Handler {
  return (ctx) => {
    const ids = ctx.params.list('InstanceId');
    if (ids.length === 0) throw new ApiError('MissingParameter', 'The request must contain the parameter InstanceId');
    const list = ownedInstances(ctx, ids);
    // Validate every instance before touching any, so a refused call changes nothing.
    for (const i of list) {
      if (!op.unchanged.includes(i.state) && !op.from[i.state]) {
        throw new ApiError(
          'IncorrectInstanceState',
          `This instance '${i.instanceId}' is not in a state from which it can be ${op.verb}.`,
        );
      }
    }
    const now = Date.now();
    const changes = list.map((i) => {
      const previous = i.state;
      op.from[i.state]?.(i, now, ctx.timing.instanceTransitionMs);
      return { id: i.instanceId, previous, current: i.state };
    });
    return items(
      'instancesSet',
      changes,
      (c) =>
        el('instanceId', c.id) +
        node('currentState', renderState(c.current)) +
        node('previousState', renderState(c.previous)),
    );
  };
}

export const instanceHandlers: Record<string, Ec2Handler> = {
  RunInstances: runInstances,
  DescribeInstances: describeInstances,
  StopInstances: changeState(STOP),
  StartInstances: changeState(START),
  TerminateInstances: changeState(TERMINATE),
};
