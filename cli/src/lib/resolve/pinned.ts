import { CwsError } from '../errors.js';
import type { ResolveRequest, ResolverDeps } from './context.js';
import { allRevoked, output, vet } from './resolver.js';
import { registryTier } from './tiers/registry.js';
import type { ChainEntry, ResolveOutput, TierName } from './types.js';

/** Why each tier that could produce another publisher's image is not walked for a pinned listing. */
const NOT_FOR_A_LISTING: Array<[TierName, string]> = [
  ['dynamic_search', 'an EC2 search by name finds images of any publisher of the template'],
  [
    'cross_region',
    "copying from another region is not done for a listing; the registry's answer says in which regions it has images (use --region)",
  ],
  ['script_fallback', "the base image with the setup script is not the listing's image"],
];

/**
 * `cws launch OWNER/NAME`: the listing's own image or an error saying why not, never a substitute. Only the registry
 * that serves the listing is asked, with listing=OWNER/NAME (the registry answers from that listing alone, under the
 * same policy); the template's ami_mappings, the other registries, EC2 searches, cross-region copies and the setup
 * script could each give another publisher's image, so they are skipped, each with a line in the chain saying why.
 * The image is then checked with the registries as any tier's is (revoked: refused, and nothing else is tried).
 */
export async function resolvePinned(
  req: ResolveRequest,
  listing: { ref: string; registry: string },
  deps: ResolverDeps,
): Promise<ResolveOutput> {
  const pinned = `pinned to listing ${listing.ref}`;
  if (req.strategy === 'script_only') {
    throw new CwsError(`strategy script_only provisions from the setup script, not from listing ${listing.ref}`, {
      code: 'usage',
      suggestions: [`launch the template by name instead: cws launch ${req.template.name} NAME --strategy script_only`],
    });
  }
  const chain: ChainEntry[] = [
    {
      tier: 'direct_mapping',
      outcome: 'skipped',
      detail: `${pinned}: the template's ami_mappings may name any image`,
      ms: 0,
    },
  ];
  const warnings: string[] = [];
  const serving = deps.registries.filter((r) => r.name === listing.registry);
  for (const r of deps.registries) {
    if (r.name === listing.registry) continue;
    chain.push({
      tier: 'registry',
      name: r.name,
      outcome: 'skipped',
      detail: `${pinned}, which registry ${listing.registry} serves`,
      ms: 0,
    });
  }
  const tier = await registryTier(req, { ...deps, registries: serving });
  chain.push(...tier.entries);
  warnings.push(...tier.warnings);
  const skipRest = () => {
    for (const [name, why] of NOT_FOR_A_LISTING)
      chain.push({ tier: name, outcome: 'skipped', detail: `${pinned}: ${why}`, ms: 0 });
  };
  if (tier.hit) {
    const { check, refused } = await vet(tier.hit, chain, warnings, deps, req);
    skipRest();
    if (check && refused) throw allRevoked(req, chain, [check], false);
    return { ...output(req, tier.hit, chain, warnings, check), pinned_listing: listing.ref };
  }
  skipRest();
  const said = tier.entries
    .filter((e) => e.outcome !== 'selected')
    .map((e) => e.detail)
    .join('; ');
  throw new CwsError(
    `could not resolve listing ${listing.ref} for ${req.template.name} in ${req.region} (${req.architecture}) from registry ${listing.registry}: ${said || 'no answer'}`,
    {
      code: 'no_ami',
      suggestions: [
        `see the listing's versions and regions: cws ami info ${listing.ref} --registry ${listing.registry}`,
        `or launch the template by name to take the best image of any publisher: cws launch ${req.template.name} NAME`,
      ],
      data: { fallback_chain: chain, listing: listing.ref },
    },
  );
}
