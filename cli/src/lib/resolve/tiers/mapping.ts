import type { ResolveRequest, TierResult } from '../context.js';
import { AMI_LAUNCH_SECONDS } from '../estimates.js';

/** Tier 1: the template's own pinned image for this region and architecture. */
export function directMapping(req: ResolveRequest, templateFile: string): TierResult {
  const start = performance.now();
  const mappings = req.template.ami_config.ami_mappings;
  const ms = () => Math.round(performance.now() - start);
  if (!mappings || Object.keys(mappings).length === 0) {
    return {
      entries: [
        { tier: 'direct_mapping', outcome: 'skipped', detail: 'template has no ami_config.ami_mappings', ms: ms() },
      ],
      warnings: [],
    };
  }
  const amiId = mappings[req.region]?.[req.architecture];
  if (!amiId) {
    const have = Object.entries(mappings)
      .flatMap(([r, byArch]) => Object.keys(byArch).map((a) => `${r}/${a}`))
      .join(', ');
    return {
      entries: [
        {
          tier: 'direct_mapping',
          outcome: 'not_found',
          detail: `no mapping for ${req.region}/${req.architecture} (template maps ${have})`,
          ms: ms(),
        },
      ],
      warnings: [],
    };
  }
  return {
    entries: [
      {
        tier: 'direct_mapping',
        outcome: 'selected',
        detail: `${amiId} pinned in ami_config.ami_mappings.${req.region}.${req.architecture}`,
        ms: ms(),
      },
    ],
    warnings: [],
    hit: {
      ami_id: amiId,
      method: 'direct_mapping',
      source: { type: 'template', name: templateFile },
      estimated_launch_seconds: AMI_LAUNCH_SECONDS,
    },
  };
}
