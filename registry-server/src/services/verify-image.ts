import type { ImageFacts } from '../aws/ec2.js';

/** What one check of one region concluded. */
export interface RegionOutcome {
  status: 'verified' | 'failed' | 'unverified';
  /** null: leave the region's state as it is. */
  state: 'available' | 'pending' | 'unavailable' | null;
  reason: string | null;
  details: Record<string, unknown>;
  /** EC2 answered about this image: record the check and its time. */
  checked: boolean;
  /** The owner EC2 reports, stored once verified. */
  ownerAccount: string | null;
}

export interface RegionRow {
  region: string;
  architecture: string;
  ami_id: string;
  owner_account: string | null;
}

export interface Claim {
  /** "alice", or "alice or maint" when a maintainer published the version. */
  publisher: string;
  visibility: 'public' | 'unlisted' | 'org' | 'private';
  provenAccounts: string[];
  registryAccount: string | null;
}

/**
 * The rules: the image exists where the version says, is available, belongs to an account
 * the publisher proved, has the architecture listed, boots from EBS, and can be launched by
 * the audience the listing claims (public listing: public image; otherwise the owner, which
 * holds by ownership). Anything else fails with every reason found.
 */
export function judgeImage(row: RegionRow, img: ImageFacts | undefined, claim: Claim): RegionOutcome {
  const base = { ami_id: row.ami_id, region: row.region, registry_account: claim.registryAccount };
  if (!img) {
    return {
      status: 'failed',
      state: 'unavailable',
      reason: notFoundReason(row.ami_id, row.region, claim.registryAccount),
      details: { ...base, found: false },
      checked: true,
      ownerAccount: null,
    };
  }
  const details: Record<string, unknown> = {
    ...base,
    found: true,
    owner_id: img.ownerId,
    state: img.state,
    public: img.public,
    architecture: img.architecture,
    root_device_type: img.rootDeviceType,
    name: img.name,
    proven_accounts: claim.provenAccounts,
  };
  if (img.state === 'pending') {
    return {
      status: 'unverified',
      state: 'pending',
      reason: `${row.ami_id} is still pending in EC2; the registry checks it again`,
      details,
      checked: true,
      ownerAccount: null,
    };
  }
  if (img.state !== 'available') {
    return {
      status: 'failed',
      state: 'unavailable',
      reason: `${row.ami_id} is ${img.state} in EC2${img.stateReason ? ` (${img.stateReason})` : ''}`,
      details,
      checked: true,
      ownerAccount: null,
    };
  }
  const problems: string[] = [];
  const owner = img.ownerId ?? 'unknown';
  if (!img.ownerId || !claim.provenAccounts.includes(img.ownerId)) {
    problems.push(notOwnedReason(row.ami_id, owner, claim));
  } else if (row.owner_account && row.owner_account !== img.ownerId) {
    problems.push(`the version names owner ${row.owner_account} but EC2 says ${img.ownerId}`);
  }
  if (img.architecture !== row.architecture) {
    problems.push(`${row.ami_id} is ${img.architecture ?? 'of unknown architecture'}, listed as ${row.architecture}`);
  }
  if (img.rootDeviceType !== 'ebs') {
    problems.push(`${row.ami_id} boots from ${img.rootDeviceType ?? 'an unknown device'}, not EBS`);
  }
  if (claim.visibility === 'public' && !img.public) {
    problems.push(
      `the listing is public but ${row.ami_id} is not launchable by everyone: make it public (cws ami publish --public) or list it as unlisted or private`,
    );
  }
  if (problems.length > 0) {
    return {
      status: 'failed',
      state: 'unavailable',
      reason: problems.join('; '),
      details,
      checked: true,
      ownerAccount: null,
    };
  }
  const audience = img.public ? 'everyone' : 'its owner and accounts it is shared with';
  return {
    status: 'verified',
    state: 'available',
    reason: `owned by ${img.ownerId}, an account ${claim.publisher} proved; available; launchable by ${audience}`,
    details,
    checked: true,
    ownerAccount: img.ownerId,
  };
}

/** Why an image EC2 did not return fails (also the publish pre-check's wording). */
export function notFoundReason(amiId: string, region: string, registryAccount: string | null): string {
  const acct = registryAccount ? ` ${registryAccount}` : '';
  return `${amiId} is not in ${region} as far as the registry can see: it was deregistered, or it is private and not shared with the registry's account${acct}`;
}

/** Why an image owned by an account the publisher did not prove fails (also the publish pre-check's wording). */
export function notOwnedReason(
  amiId: string,
  ownerAccount: string,
  claim: Pick<Claim, 'publisher' | 'provenAccounts'>,
): string {
  return claim.provenAccounts.length === 0
    ? `${amiId} is owned by account ${ownerAccount} and ${claim.publisher} has proven no AWS account (cws login --aws)`
    : `${amiId} is owned by account ${ownerAccount}, which is not a proven account of ${claim.publisher} (proven: ${claim.provenAccounts.join(', ')})`;
}

/** EC2 could not be asked: an image never checked is released (unverified, like a registry without AWS). */
export function unreachableOutcome(
  row: { state: string; last_verified_at: Date | null },
  why: string,
): RegionOutcome | null {
  if (row.last_verified_at) return null; // keep the last real answer rather than flap on an outage
  return {
    status: 'unverified',
    state: row.state === 'pending' ? 'available' : null,
    reason: `not verified yet: ${why}; the registry retries on its next pass`,
    details: {},
    checked: false,
    ownerAccount: null,
  };
}
