import type { AwsGateway, ImageDetail } from '../aws/gateway.js';
import { pollUntil } from '../aws/poll.js';
import { CwsError } from '../errors.js';
import type { Progress } from '../instances/launch.js';

export interface TargetImage {
  region: string;
  architecture: string;
  ami_id: string;
}

export interface Audience {
  public: boolean;
  accounts: string[];
}

export interface LaunchableResult {
  images: TargetImage[];
  /** Every image was public already (no --public needed). */
  alreadyPublic: boolean;
  warnings: string[];
}

/**
 * Checks every image before changing any (owned by `account`, available, EBS-backed, and shareable with the audience:
 * encrypted volumes and product codes cannot be public, EC2's image block-public-access must be off), then grants
 * launch permission in every region and looks at the snapshots, which others need to copy the image across regions.
 */
export async function makeLaunchable(
  ec2: AwsGateway,
  images: TargetImage[],
  account: string,
  audience: Audience,
  opts: {
    requireAudience: boolean;
    shareSnapshots: boolean;
    progress: Progress;
    /** What the caller does, for the messages: "cannot share", "only the owner can share it" [default: publish]. */
    action?: 'publish' | 'share';
  },
): Promise<LaunchableResult> {
  const action = opts.action ?? 'publish';
  const problems: string[] = [];
  let code: 'not_launchable' | 'not_owner' | 'image_not_found' = 'not_launchable';
  const details: ImageDetail[] = [];
  for (const target of images) {
    const where = `${target.ami_id} in ${target.region}`;
    opts.progress(`Checking ${where}`);
    let img = await ec2.describeImage(target.region, target.ami_id);
    if (!img) {
      problems.push(`${where}: not found (deregistered, or not visible to your account)`);
      code = 'image_not_found';
      continue;
    }
    if (img.owner_id !== account) {
      problems.push(
        `${where}: owned by account ${img.owner_id}, not your account ${account}; only the owner can ${action} it`,
      );
      code = 'not_owner';
      continue;
    }
    if (img.state === 'pending') {
      img = (await pollUntil(
        () => ec2.describeImage(target.region, target.ami_id),
        (i) => !i || i.state !== 'pending',
        {
          timeoutMs: 60 * 60_000,
          what: `${where} to be available`,
          onTick: (i) => opts.progress(`${where} is ${i?.state}`),
        },
      )) as ImageDetail;
    }
    if (img.state !== 'available') problems.push(`${where}: is ${img.state}, not available`);
    if (img.root_device_type && img.root_device_type !== 'ebs') problems.push(`${where}: is not EBS-backed`);
    if (audience.public) {
      if (img.encrypted)
        problems.push(
          `${where}: has encrypted volumes, which EC2 cannot share publicly; use --share-with ACCOUNTS instead`,
        );
      if (img.product_codes.length)
        problems.push(
          `${where}: carries product codes (${img.product_codes.join(', ')}); such images cannot be public`,
        );
      if (!img.public && (await ec2.blockPublicAccessState(target.region)) === 'block-new-sharing') {
        problems.push(
          `${where}: EC2 image block public access is on in ${target.region}; turn it off with: aws ec2 disable-image-block-public-access --region ${target.region}`,
        );
      }
    }
    if (opts.requireAudience && !img.public) {
      problems.push(`${where}: is private; say who may launch it: --public, or --share-with ACCOUNT_IDS`);
    }
    details.push(img);
  }
  if (problems.length) {
    throw new CwsError(`cannot ${action}:\n  ${problems.join('\n  ')}`, {
      code,
      data: { problems },
    });
  }

  const warnings: string[] = [];
  for (const img of details) {
    const needed = { public: audience.public && !img.public, accounts: audience.accounts };
    if (needed.public || needed.accounts.length) {
      opts.progress(`Granting launch permission on ${img.image_id} in ${img.region}`);
      await ec2.addLaunchPermission(img.region, img.image_id, needed);
    }
    for (const snap of img.snapshot_ids) {
      const perms = await ec2.snapshotPermissions(img.region, snap);
      const wantPublic = (audience.public || img.public) && !img.encrypted;
      const missing = audience.accounts.filter((a) => !perms.public && !perms.accounts.includes(a));
      const lacking = (wantPublic && !perms.public) || missing.length > 0;
      if (!lacking) continue;
      if (opts.shareSnapshots) {
        await ec2.shareSnapshot(img.region, snap, { public: wantPublic && !perms.public, accounts: missing });
        continue;
      }
      const who = wantPublic ? 'all' : missing.join(' ');
      warnings.push(
        `snapshot ${snap} of ${img.image_id} (${img.region}) is not shared: others can launch the image but not copy it to another region; share it with --share-snapshots, or: aws ec2 modify-snapshot-attribute --region ${img.region} --snapshot-id ${snap} --attribute createVolumePermission --operation-type add ${wantPublic ? '--group-names all' : `--user-ids ${who}`}`,
      );
    }
  }
  return {
    images: details.map((d) => ({ region: d.region, architecture: d.architecture || 'x86_64', ami_id: d.image_id })),
    alreadyPublic: details.every((d) => d.public) && !audience.public,
    warnings,
  };
}
