import type { ListingSummary } from '@cws/shared';
import type { AwsGateway } from '../aws/gateway.js';
import { orderedRegistries } from '../config.js';
import type { CliContext } from '../context.js';
import { CwsError } from '../errors.js';
import type { Progress } from '../instances/launch.js';
import { clientFor } from '../registries.js';

export interface CleanupImage {
  image_id: string;
  region: string;
  name: string;
  template: string;
  created: string;
  /** EC2's state of the image: available, pending, failed or disabled */
  state: string;
  /** build or save */
  made_by: 'build' | 'save';
  snapshot_ids: string[];
  /** keep (newest N), protected (a listing or an instance uses it), delete */
  action: 'keep' | 'protected' | 'delete';
  reason: string;
}

export interface CleanupPlan {
  region: string;
  keep_latest: number;
  template: string | null;
  images: CleanupImage[];
  warnings: string[];
}

export interface CleanupResult extends CleanupPlan {
  dry_run: boolean;
  deregistered: { image_id: string; snapshot_ids: string[] }[];
}

/**
 * Which of your cws-built (`cws:build`) and saved (`cws:save-id`) images in a region may go: per template the newest
 * `keepLatest` stay, and so does any image a configured registry lists in an active or deprecated version (or that
 * a registry could not be asked about) and any image an instance runs from.
 */
export async function planCleanup(
  ctx: CliContext,
  opts: { region?: string | undefined; template?: string | undefined; keepLatest: number },
  progress: Progress,
): Promise<CleanupPlan> {
  const region = await ctx.region(opts.region);
  if (!region) throw new CwsError('no AWS region: pass --region or export AWS_REGION', { code: 'no_region' });
  const ec2 = await ctx.aws();
  progress(`Listing your cws images in ${region}`);
  // Disabled images too: they keep their snapshots (and their cost) until deregistered, and DescribeImages only
  // returns them when asked to.
  const own = (
    await ec2.findOwnImages(region, [{ Name: 'state', Values: ['available', 'pending', 'failed', 'disabled'] }], {
      includeDisabled: true,
    })
  ).filter((i) => (i.tags['cws:build'] || i.tags['cws:save-id']) && i.tags['cws:template']);
  const mine = opts.template ? own.filter((i) => i.tags['cws:template'] === opts.template) : own;
  const warnings: string[] = [];

  // Registries: every AMI in an active or deprecated version of a listing for these templates, or of yours.
  const listed = new Map<string, string>();
  let unreachable: string | null = null;
  const templates = [
    ...new Set(
      mine.flatMap((i) => [i.tags['cws:template'], i.tags['cws:source-template']]).filter(Boolean) as string[],
    ),
  ];
  for (const entry of orderedRegistries(await ctx.config())) {
    const client = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs ?? 5000 });
    try {
      progress(`Asking ${entry.name} which images its listings use`);
      const hits = new Map<string, ListingSummary>();
      const queries = [
        ...templates.map((template) => ({ template })),
        ...(entry.handle ? [{ owner: entry.handle }] : []),
      ];
      for (const q of queries) {
        let cursor: string | undefined;
        do {
          const page = await client.searchListings({ ...q, limit: 100, ...(cursor ? { cursor } : {}) });
          for (const l of page.items) hits.set(l.ref, l);
          cursor = page.next_cursor ?? undefined;
        } while (cursor);
      }
      for (const l of hits.values()) {
        const detail = await client.getListing(l.owner, l.name);
        for (const v of detail.versions) {
          if (v.status === 'revoked') continue;
          for (const r of v.regions) listed.set(r.ami_id, `${entry.name}: ${detail.ref}@${v.version} (${v.status})`);
        }
      }
    } catch (err) {
      unreachable = entry.name;
      warnings.push(`could not ask ${entry.name} (${(err as Error).message}); images it might list are kept`);
    }
  }
  progress(`Looking for instances that use these images`);
  const inUse = new Map<string, string>();
  const ids = mine.map((i) => i.image_id);
  for (let i = 0; i < ids.length; i += 100) {
    const batch = ids.slice(i, i + 100);
    if (batch.length === 0) continue;
    const insts = await ec2.findInstances(region, [
      { Name: 'image-id', Values: batch },
      { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
    ]);
    for (const inst of insts) inUse.set(inst.image_id, `${inst.instance_id} (${inst.state}) runs from it`);
  }

  const byTemplate = new Map<string, typeof mine>();
  for (const img of mine) {
    const t = img.tags['cws:template'] as string;
    byTemplate.set(t, [...(byTemplate.get(t) ?? []), img]);
  }
  const images: CleanupImage[] = [];
  for (const [template, list] of [...byTemplate.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    list.sort((a, b) => b.creation_date.localeCompare(a.creation_date) || b.image_id.localeCompare(a.image_id));
    list.forEach((img, n) => {
      const base = {
        image_id: img.image_id,
        region,
        name: img.name,
        template,
        created: img.creation_date,
        state: img.state,
        made_by: img.tags['cws:build'] ? ('build' as const) : ('save' as const),
        snapshot_ids: img.snapshot_ids,
      };
      if (n < opts.keepLatest) images.push({ ...base, action: 'keep', reason: `one of the newest ${opts.keepLatest}` });
      else if (listed.has(img.image_id))
        images.push({ ...base, action: 'protected', reason: `listed by ${listed.get(img.image_id)}` });
      else if (inUse.has(img.image_id))
        images.push({ ...base, action: 'protected', reason: inUse.get(img.image_id) as string });
      else if (unreachable)
        images.push({ ...base, action: 'protected', reason: `registry ${unreachable} could not be asked` });
      else images.push({ ...base, action: 'delete', reason: 'older, unlisted, unused' });
    });
  }
  return { region, keep_latest: opts.keepLatest, template: opts.template ?? null, images, warnings };
}

/** Deregisters the plan's `delete` images and deletes their snapshots. */
export async function runCleanup(
  ec2: Pick<AwsGateway, 'deregisterImage'>,
  plan: CleanupPlan,
  progress: Progress,
): Promise<CleanupResult['deregistered']> {
  const done: CleanupResult['deregistered'] = [];
  for (const img of plan.images.filter((i) => i.action === 'delete')) {
    progress(`Deregistering ${img.image_id} and deleting ${img.snapshot_ids.join(', ') || 'no snapshots'}`);
    await ec2.deregisterImage(plan.region, img.image_id);
    done.push({ image_id: img.image_id, snapshot_ids: img.snapshot_ids });
  }
  return done;
}
