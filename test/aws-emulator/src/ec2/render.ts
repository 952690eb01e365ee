/**
 * XML shapes for EC2 resources, element names as in the EC2 API reference and the SDK's
 * deserializer schema (e.g. Image.State is `imageState`, Instance.State is `instanceState`,
 * Instance.PublicIpAddress is `ipAddress`). Lists are `<xSet><item>..</item></xSet>`.
 */
import type { EmulatedImage, EmulatedInstance, EmulatedSnapshot } from '../state.js';
import { INSTANCE_STATE_CODES } from '../state.js';
import { el, items, node, tagSet } from '../xml.js';
import { bool } from './common.js';

export function renderImage(img: EmulatedImage): string {
  const reason =
    img.state === 'failed'
      ? node('stateReason', el('code', 'Client.ImageCreationFailed'), el('message', 'Image creation failed'))
      : '';
  return [
    el('imageId', img.imageId),
    el('imageLocation', `${img.ownerId}/${img.name}`),
    el('imageState', img.state),
    el('imageOwnerId', img.ownerId),
    el('creationDate', img.creationDate),
    el('isPublic', bool(img.public)),
    img.productCodes.length
      ? items('productCodes', img.productCodes, (c) => el('productCode', c) + el('type', 'marketplace'))
      : '',
    el('architecture', img.architecture),
    el('imageType', 'machine'),
    el('imageOwnerAlias', img.ownerAlias),
    el('name', img.name),
    el('description', img.description),
    el('rootDeviceType', 'ebs'),
    el('rootDeviceName', img.rootDeviceName),
    renderImageBlockDevices(img),
    el('virtualizationType', 'hvm'),
    tagSet(img.tags),
    el('hypervisor', 'xen'),
    el('enaSupport', 'true'),
    el('sriovNetSupport', 'simple'),
    el('platformDetails', 'Linux/UNIX'),
    el('usageOperation', 'RunInstances'),
    el('bootMode', img.architecture === 'arm64' ? 'uefi' : 'uefi-preferred'),
    el('imdsSupport', 'v2.0'),
    el('deprecationTime', img.deprecationTime),
    el('sourceInstanceId', img.sourceInstanceId),
    el('sourceImageId', img.sourceImageId),
    el('sourceImageRegion', img.sourceImageRegion),
    reason,
  ].join('');
}

export function renderImageBlockDevices(img: EmulatedImage): string {
  return items('blockDeviceMapping', img.blockDeviceMappings, (b) =>
    [
      el('deviceName', b.deviceName),
      node(
        'ebs',
        el('snapshotId', b.snapshotId),
        el('volumeSize', b.volumeSize),
        el('deleteOnTermination', bool(b.deleteOnTermination)),
        el('volumeType', b.volumeType),
        el('encrypted', bool(b.encrypted)),
      ),
    ].join(''),
  );
}

export function renderSnapshot(s: EmulatedSnapshot): string {
  return [
    el('snapshotId', s.snapshotId),
    el('volumeId', 'vol-ffffffff'),
    el('status', s.state),
    el('startTime', s.startTime),
    el('progress', s.state === 'completed' ? '100%' : '0%'),
    el('ownerId', s.ownerId),
    el('volumeSize', s.volumeSize),
    el('description', s.description),
    el('encrypted', bool(s.encrypted)),
    tagSet(s.tags),
    el('storageTier', 'standard'),
  ].join('');
}

export function renderState(name: EmulatedInstance['state']): string {
  return el('code', INSTANCE_STATE_CODES[name]) + el('name', name);
}

export function renderInstance(i: EmulatedInstance): string {
  const privateDns = `ip-${i.privateIpAddress.replace(/\./g, '-')}.${i.region === 'us-east-1' ? 'ec2.internal' : `${i.region}.compute.internal`}`;
  const live = i.state !== 'terminated';
  return [
    el('instanceId', i.instanceId),
    el('imageId', i.imageId),
    node('instanceState', renderState(i.state)),
    el('privateDnsName', live ? privateDns : ''),
    el('dnsName', i.publicIpAddress ? `ec2-${i.publicIpAddress.replace(/\./g, '-')}.compute-1.amazonaws.com` : ''),
    el('reason', i.stateTransitionReason),
    el('keyName', i.keyName),
    el('amiLaunchIndex', i.amiLaunchIndex),
    '<productCodes/>',
    el('instanceType', i.instanceType),
    el('launchTime', i.launchTime),
    node('placement', el('availabilityZone', i.availabilityZone), '<groupName/>', el('tenancy', 'default')),
    node('monitoring', el('state', 'disabled')),
    live ? el('subnetId', i.subnetId) + el('vpcId', i.vpcId) + el('privateIpAddress', i.privateIpAddress) : '',
    el('ipAddress', i.publicIpAddress),
    el('sourceDestCheck', 'true'),
    items('groupSet', live ? (i.securityGroupIds.length ? i.securityGroupIds : ['sg-0123456789abcdef0']) : [], (g) =>
      el('groupId', g),
    ),
    i.stateReason ? node('stateReason', el('code', i.stateReason.code), el('message', i.stateReason.message)) : '',
    el('architecture', i.architecture),
    el('rootDeviceType', 'ebs'),
    el('rootDeviceName', '/dev/sda1'),
    items('blockDeviceMapping', live ? [i] : [], () =>
      [
        el('deviceName', '/dev/sda1'),
        node(
          'ebs',
          el('volumeId', `vol-${i.instanceId.slice(2)}`),
          el('status', 'attached'),
          el('attachTime', i.launchTime),
          el('deleteOnTermination', 'true'),
        ),
      ].join(''),
    ),
    el('virtualizationType', 'hvm'),
    el('clientToken', i.clientToken),
    tagSet(i.tags),
    el('hypervisor', 'xen'),
    el('ebsOptimized', 'false'),
    el('enaSupport', 'true'),
    node('metadataOptions', el('state', 'applied'), el('httpTokens', i.httpTokens), el('httpEndpoint', 'enabled')),
    i.iamInstanceProfile
      ? node('iamInstanceProfile', el('arn', i.iamInstanceProfile.arn), el('id', i.iamInstanceProfile.id))
      : '',
    el('bootMode', i.architecture === 'arm64' ? 'uefi' : 'legacy-bios'),
    el('platformDetails', 'Linux/UNIX'),
    el('usageOperation', 'RunInstances'),
  ].join('');
}
