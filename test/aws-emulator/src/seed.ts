/**
 * What every fresh emulator region holds, like a real AWS account would see: Canonical's public
 * Ubuntu 24.04 images (an older and a current build per architecture) and the SSM public
 * parameters that point at the current ones.
 */
import { createHash } from 'node:crypto';
import { registerImage } from './ec2/image-create.js';
import type { Store } from './state.js';

export const CANONICAL_ACCOUNT = '099720109477';
export const CANONICAL_REGIONS = ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1'];
const BUILDS = ['20261015', '20261101'];

export function ubuntuParameter(arch: 'amd64' | 'arm64'): string {
  return `/aws/service/canonical/ubuntu/server/24.04/stable/current/${arch}/hvm/ebs-gp3/ami-id`;
}

/** Stable ids so a failing test names the same image every run; still region-specific as on AWS. */
export function canonicalImageId(region: string, arch: 'amd64' | 'arm64', build: string): string {
  return `ami-${createHash('sha256').update(`canonical/${region}/${arch}/${build}`).digest('hex').slice(0, 17)}`;
}

export function seedCanonical(store: Store): void {
  for (const region of CANONICAL_REGIONS) {
    for (const arch of ['amd64', 'arm64'] as const) {
      let current = '';
      for (const build of BUILDS) {
        const img = registerImage(store, {
          region,
          ownerId: CANONICAL_ACCOUNT,
          imageId: canonicalImageId(region, arch, build),
          name: `ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${arch}-server-${build}`,
          description: `Canonical, Ubuntu, 24.04, ${arch} noble image`,
          architecture: arch === 'amd64' ? 'x86_64' : 'arm64',
          public: true,
          // Canonical's snapshots are readable, which is what makes their AMIs copyable.
          snapshotPublic: true,
          creationDate: `${build.slice(0, 4)}-${build.slice(4, 6)}-${build.slice(6, 8)}T08:00:00.000Z`,
          snapshotDescription: `Canonical, Ubuntu, 24.04, ${arch} noble image build ${build}`,
        });
        current = img.imageId;
      }
      store.setParameter(region, ubuntuParameter(arch), current);
    }
  }
}
