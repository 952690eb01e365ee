import { AwsError, type ImageInfo } from '../../aws/gateway.js';
import {
  describeOwners,
  elapsed,
  type ResolveRequest,
  type ResolverDeps,
  searchQuery,
  type TierResult,
} from '../context.js';
import { AMI_LAUNCH_SECONDS, estimateCopy, humanDuration } from '../estimates.js';
import type { ChainEntry, CopyInfo } from '../types.js';

/** Where the cross-region tier looks when the template names no regions; nearest-first is not knowable here. */
export const DEFAULT_SEARCH_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'eu-west-1',
  'eu-central-1',
  'ap-southeast-1',
  'ap-northeast-1',
];

const SNAPSHOT_HINT =
  'the source snapshot is probably not shared with your account: ask the owner to share it, or use an image published in this region';

function skipped(tier: ChainEntry['tier'], detail: string): TierResult {
  return { entries: [{ tier, outcome: 'skipped', detail, ms: 0 }], warnings: [] };
}

function searchFor(req: ResolveRequest) {
  const search = req.template.ami_config.ami_search;
  if (!search) return { error: 'template has no ami_config.ami_search' } as const;
  if (search.architecture && search.architecture !== req.architecture) {
    return { error: `ami_search is for ${search.architecture} only` } as const;
  }
  return { query: searchQuery(search, req.architecture) } as const;
}

const describeImage = (i: ImageInfo) => `${i.image_id} "${i.name}" (owner ${i.owner_id}, created ${i.creation_date})`;

/** Tier 3: DescribeImages in the target region, owners pinned by the template, newest available first. */
export async function dynamicSearch(req: ResolveRequest, deps: ResolverDeps): Promise<TierResult> {
  const s = searchFor(req);
  if (!s.query) return skipped('dynamic_search', s.error);
  const start = performance.now();
  try {
    const image = await deps.aws.findNewestImage(req.region, s.query);
    if (!image) {
      return {
        entries: [
          {
            tier: 'dynamic_search',
            outcome: 'not_found',
            detail: `no available ${req.architecture} image named "${s.query.namePattern}" owned by ${describeOwners(s.query)} in ${req.region}`,
            ms: elapsed(start),
          },
        ],
        warnings: [],
      };
    }
    return {
      entries: [{ tier: 'dynamic_search', outcome: 'selected', detail: describeImage(image), ms: elapsed(start) }],
      warnings: [],
      hit: {
        ami_id: image.image_id,
        method: 'dynamic_search',
        source: { type: 'ec2', name: 'ec2:DescribeImages', owner: image.owner_id, image_name: image.name },
        estimated_launch_seconds: AMI_LAUNCH_SECONDS,
      },
    };
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    return {
      entries: [{ tier: 'dynamic_search', outcome: 'error', detail: err.message, ms: elapsed(start) }],
      warnings: [`dynamic search failed: ${err.message}`],
      awsError: err,
    };
  }
}

/** AMI names allow letters, digits, spaces and ( ) [ ] . / - ' @ _ and at most 128 characters. */
export function copyName(source: ImageInfo): string {
  const clean = source.name.replace(/[^A-Za-z0-9 ()[\]./'@_-]/g, '_');
  return `cws-copy ${source.image_id} ${source.region} ${clean}`.slice(0, 128).trim();
}

/**
 * Tier 4: the same owner-pinned search in other regions. The newest image found is copied into the target region
 * only when allowed (flag or template); otherwise it is reported as found but not copied, with time and cost.
 */
export async function crossRegion(req: ResolveRequest, deps: ResolverDeps): Promise<TierResult> {
  const s = searchFor(req);
  if (!s.query) return skipped('cross_region', s.error);
  const query = s.query;
  const regions = (req.template.regions ?? DEFAULT_SEARCH_REGIONS).filter((r) => r !== req.region);
  if (regions.length === 0) return skipped('cross_region', 'the template names no other regions');
  const start = performance.now();
  const settled = await Promise.allSettled(regions.map((r) => deps.aws.findNewestImage(r, query)));
  const found: ImageInfo[] = [];
  const failures: string[] = [];
  let awsError: Error | undefined;
  settled.forEach((res, i) => {
    if (res.status === 'fulfilled') {
      if (res.value) found.push(res.value);
    } else {
      awsError ??= res.reason as Error;
      failures.push(`${regions[i]}: ${(res.reason as Error).message}`);
    }
  });
  const failNote = failures.length ? `; searches failed in ${failures.join('; ')}` : '';
  found.sort((a, b) => b.creation_date.localeCompare(a.creation_date));
  const source = found[0];
  if (!source) {
    const allFailed = failures.length === regions.length;
    return {
      entries: [
        {
          tier: 'cross_region',
          outcome: allFailed ? 'error' : 'not_found',
          detail: `no image named "${query.namePattern}" owned by ${describeOwners(query)} in ${regions.join(', ')}${failNote}`,
          ms: elapsed(start),
        },
      ],
      warnings: allFailed ? [`cross-region search failed: ${failures[0]}`] : [],
      ...(allFailed && awsError ? { awsError } : {}),
    };
  }

  const est = estimateCopy(source.size_gib);
  const copy: CopyInfo = {
    source_region: source.region,
    source_ami_id: source.image_id,
    size_gib: est.size_gib,
    estimated_seconds: est.seconds,
    estimated_cost_usd: est.transfer_usd,
    started: false,
  };
  const costText = `~${humanDuration(est.seconds)} and ~$${est.transfer_usd.toFixed(2)} transfer for ${est.size_gib} GiB (+$${est.storage_usd_per_month.toFixed(2)}/month snapshot storage)`;
  const allowed = req.allowCopy || req.template.ami_config.allow_cross_region_copy;
  if (!allowed) {
    return {
      entries: [
        {
          tier: 'cross_region',
          outcome: 'found_not_copied',
          detail: `${describeImage(source)} in ${source.region}; copying takes ${costText}; allow it with --allow-copy${failNote}`,
          ms: elapsed(start),
        },
      ],
      warnings: [],
      notCopied: copy,
    };
  }

  const name = copyName(source);
  try {
    // An earlier run may already have copied it: reuse that copy rather than paying twice.
    const earlier = await deps.aws.findNewestImage(req.region, {
      owners: ['self'],
      namePattern: name,
      architecture: req.architecture,
      states: ['available', 'pending'],
    });
    const amiId =
      earlier?.image_id ??
      (await deps.aws.copyImage(
        req.region,
        source.region,
        source.image_id,
        name,
        `Copy of ${source.image_id} from ${source.region} by cws`,
      ));
    const pending = !earlier || earlier.state === 'pending';
    const verb = earlier ? 'reusing your earlier copy' : 'started CopyImage';
    return {
      entries: [
        {
          tier: 'cross_region',
          outcome: 'selected',
          detail:
            `${verb} ${amiId} of ${describeImage(source)} from ${source.region}; ${earlier ? '' : `copy takes ${costText}`}`.replace(
              /; $/,
              '',
            ),
          ms: elapsed(start),
        },
      ],
      warnings: pending
        ? [`${amiId} is a copy still in progress; it becomes launchable in about ${humanDuration(est.seconds)}`]
        : [],
      hit: {
        ami_id: amiId,
        method: 'cross_region',
        source: {
          type: 'ec2',
          name: 'ec2:CopyImage',
          owner: source.owner_id,
          image_name: source.name,
          source_region: source.region,
          source_ami_id: source.image_id,
        },
        estimated_launch_seconds: AMI_LAUNCH_SECONDS + (pending ? est.seconds : 0),
        copy: { ...copy, started: !earlier },
      },
    };
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    const hint = /snapshot|InvalidRequest|AuthFailure|UnauthorizedOperation|NotFound/i.test(
      `${err.awsCode} ${err.message}`,
    )
      ? `; ${SNAPSHOT_HINT}`
      : '';
    return {
      entries: [
        {
          tier: 'cross_region',
          outcome: 'error',
          detail: `copy of ${source.image_id} from ${source.region} failed: ${err.message}${hint}`,
          ms: elapsed(start),
        },
      ],
      warnings: [`cross-region copy of ${source.image_id} failed: ${err.awsCode}${hint}`],
      awsError: err,
    };
  }
}
