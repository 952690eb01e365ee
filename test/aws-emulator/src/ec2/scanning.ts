/**
 * What a registry needs to scan an AMI: security groups (CreateSecurityGroup, DescribeSecurityGroups),
 * the default subnet (DescribeSubnets) and EC2 GetImageFindings, the Inspector findings of an AMI
 * that Inspector has already scanned (element names from the SDK's schema: imageFindingSet,
 * fixAvailable, score, firstObservedAt, updatedAt, title, pathSet, severityLabel, snapshotId).
 */
import { createHash } from 'node:crypto';
import { ApiError, invalidValue } from '../errors.js';
import type { EmulatedSecurityGroup, SeededFinding } from '../state.js';
import { newId } from '../state.js';
import { el, esc, items, tagSet } from '../xml.js';
import type { Ec2Context, Ec2Handler, FilterSpec } from './common.js';
import { applyFilters, checkImageId, paginate, readTagSpecifications, required, visibleImage } from './common.js';

const deterministicId = (prefix: string, seed: string) =>
  `${prefix}-${createHash('sha256').update(seed).digest('hex').slice(0, 17)}`;

/** The default VPC and its subnet of an account in a region (the ids RunInstances uses without SubnetId). */
export function defaultNetwork(accountId: string, region: string) {
  return {
    vpcId: deterministicId('vpc', `${accountId}/${region}`),
    subnetId: deterministicId('subnet', `${accountId}/${region}`),
  };
}

const describeSubnets: Ec2Handler = (ctx) => {
  const net = defaultNetwork(ctx.accountId, ctx.region);
  const ids = ctx.params.list('SubnetId');
  const missing = ids.filter((id) => id !== net.subnetId);
  if (missing.length > 0)
    throw new ApiError('InvalidSubnetID.NotFound', `The subnet ID '${missing[0]}' does not exist`);
  return items(
    'subnetSet',
    [net],
    (n) =>
      el('subnetId', n.subnetId) +
      el('state', 'available') +
      el('vpcId', n.vpcId) +
      el('cidrBlock', '172.31.0.0/20') +
      el('availableIpAddressCount', 4091) +
      el('availabilityZone', `${ctx.region}a`) +
      el('defaultForAz', 'true') +
      el('mapPublicIpOnLaunch', 'true') +
      el('ownerId', ctx.accountId),
  );
};

const createSecurityGroup: Ec2Handler = (ctx) => {
  const name = required(ctx, 'GroupName');
  const description = required(ctx, 'GroupDescription');
  if (name.length > 255 || name.startsWith('sg-')) throw invalidValue('GroupName', name);
  const vpcId = ctx.params.get('VpcId') ?? defaultNetwork(ctx.accountId, ctx.region).vpcId;
  if (vpcId !== defaultNetwork(ctx.accountId, ctx.region).vpcId) {
    throw new ApiError('InvalidVpcID.NotFound', `The vpc ID '${vpcId}' does not exist`);
  }
  const clash = [...ctx.store.securityGroups.values()].find(
    (g) => g.ownerId === ctx.accountId && g.region === ctx.region && g.vpcId === vpcId && g.groupName === name,
  );
  if (clash) {
    throw new ApiError('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpcId}'`);
  }
  const group: EmulatedSecurityGroup = {
    groupId: newId('sg'),
    region: ctx.region,
    ownerId: ctx.accountId,
    groupName: name,
    description,
    vpcId,
    tags: readTagSpecifications(ctx, ['security-group']).get('security-group') ?? {},
  };
  ctx.store.securityGroups.set(group.groupId, group);
  return el('return', 'true') + el('groupId', group.groupId) + tagSet(group.tags);
};

const GROUP_FILTERS: FilterSpec<EmulatedSecurityGroup> = {
  'group-name': (g) => g.groupName,
  'group-id': (g) => g.groupId,
  'vpc-id': (g) => g.vpcId,
  'owner-id': (g) => g.ownerId,
};

const describeSecurityGroups: Ec2Handler = (ctx) => {
  const mine = [...ctx.store.securityGroups.values()].filter(
    (g) => g.ownerId === ctx.accountId && g.region === ctx.region,
  );
  const ids = ctx.params.list('GroupId');
  const missing = ids.filter((id) => !mine.some((g) => g.groupId === id));
  if (missing.length > 0)
    throw new ApiError('InvalidGroup.NotFound', `The security group '${missing[0]}' does not exist`);
  let list = ids.length > 0 ? mine.filter((g) => ids.includes(g.groupId)) : mine;
  list = applyFilters(list, ctx.params.members('Filter'), GROUP_FILTERS);
  // A new group has no ingress rule and allows all egress, as on AWS.
  return items(
    'securityGroupInfo',
    list,
    (g) =>
      el('ownerId', g.ownerId) +
      el('groupId', g.groupId) +
      el('groupName', g.groupName) +
      el('groupDescription', g.description) +
      el('vpcId', g.vpcId) +
      '<ipPermissions/>' +
      items('ipPermissionsEgress', [g], () =>
        [el('ipProtocol', '-1'), '<groups/>', items('ipRanges', [g], () => el('cidrIp', '0.0.0.0/0'))].join(''),
      ) +
      tagSet(g.tags),
  );
};

const SCORES: Record<string, number> = { CRITICAL: 9.8, HIGH: 7.5, MEDIUM: 5.5, LOW: 3.1, INFORMATIONAL: 0 };

function renderImageFinding(f: SeededFinding): string {
  const t = new Date(f.observedAt).toISOString();
  return [
    el('fixAvailable', f.fixedVersion ? 'true' : 'false'),
    el('score', SCORES[f.severity] ?? 0),
    el('firstObservedAt', t),
    el('updatedAt', t),
    el('title', f.title),
    items('pathSet', f.packageName ? [f.packageName] : [], (p) => esc(`/usr/share/doc/${p}`)),
    el('severityLabel', f.severity === 'UNTRIAGED' ? 'informational' : f.severity.toLowerCase()),
    el('snapshotId', `snap-${createHash('sha256').update(f.imageId).digest('hex').slice(0, 17)}`),
  ].join('');
}

const getImageFindings: Ec2Handler = (ctx) => {
  const imageId = required(ctx, 'ImageId');
  checkImageId(imageId);
  visibleImage(ctx.store, ctx.region, ctx.accountId, imageId);
  // Only AMIs Inspector has scanned have findings here; anything else answers an empty list.
  const list = ctx.store.findings.filter(
    (f) => f.imageId === imageId && (f.region === undefined || f.region === ctx.region) && f.imageScanned,
  );
  const { page, nextToken } = paginate(ctx, list, 1, 1000);
  return items('imageFindingSet', page, renderImageFinding) + el('nextToken', nextToken);
};

export const scanningHandlers: Record<string, Ec2Handler> = {
  DescribeSubnets: describeSubnets,
  CreateSecurityGroup: createSecurityGroup,
  DescribeSecurityGroups: describeSecurityGroups,
  GetImageFindings: getImageFindings,
};
