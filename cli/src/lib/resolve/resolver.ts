import { AwsError } from '../aws/gateway.js';
import { CwsError, EXIT } from '../errors.js';
import type { Hit, ResolveRequest, ResolverDeps, TierResult } from './context.js';
import { humanDuration } from './estimates.js';
import { crossRegion, dynamicSearch } from './tiers/ec2.js';
import { directMapping } from './tiers/mapping.js';
import { registryTier } from './tiers/registry.js';
import { scriptFallback } from './tiers/script.js';
import type { ChainEntry, CopyInfo, ResolveOutput, TierName } from './types.js';

const AMI_TIERS: TierName[] = ['direct_mapping', 'registry', 'dynamic_search', 'cross_region'];

/**
 * Walks the tiers in order (ARCHITECTURE.md, "The resolution tiers") and returns the first image found, with the
 * whole chain: what each tier found or why it was skipped. Never prints.
 */
export async function resolveAmi(
  req: ResolveRequest,
  templateFile: string,
  deps: ResolverDeps,
): Promise<ResolveOutput> {
  const chain: ChainEntry[] = [];
  const warnings: string[] = [];
  let notCopied: CopyInfo | undefined;
  let awsError: Error | undefined;
  const take = (r: TierResult): Hit | undefined => {
    chain.push(...r.entries);
    warnings.push(...r.warnings);
    notCopied ??= r.notCopied;
    awsError ??= r.awsError;
    return r.hit;
  };

  if (req.strategy === 'script_only') {
    for (const tier of AMI_TIERS) chain.push({ tier, outcome: 'skipped', detail: 'strategy script_only', ms: 0 });
  } else {
    const tiers: (() => TierResult | Promise<TierResult>)[] = [
      () => directMapping(req, templateFile),
      () => registryTier(req, deps),
      () => dynamicSearch(req, deps),
      () => crossRegion(req, deps),
    ];
    for (const tier of tiers) {
      const hit = take(await tier());
      if (hit) return output(req, hit, chain, warnings);
    }
  }

  if (req.strategy === 'ami_required') {
    chain.push({ tier: 'script_fallback', outcome: 'skipped', detail: 'strategy ami_required', ms: 0 });
    throw noAmi(req, chain, notCopied);
  }
  const hit = take(await scriptFallback(req, deps));
  if (hit) return output(req, hit, chain, warnings);
  if (awsError instanceof AwsError) {
    throw new CwsError(`could not resolve an image for ${req.template.name} in ${req.region}: ${awsError.message}`, {
      code: 'aws_error',
      exit: EXIT.aws,
      suggestions: awsError.suggestions,
      data: { fallback_chain: chain },
    });
  }
  throw new CwsError(
    `could not resolve an image for ${req.template.name} in ${req.region} (${req.architecture}), not even a base image`,
    {
      code: 'no_ami',
      exit: EXIT.noAmi,
      suggestions: ["check the template's base_image, or run with --explain to see every tier"],
      data: { fallback_chain: chain },
    },
  );
}

function noAmi(req: ResolveRequest, chain: ChainEntry[], notCopied: CopyInfo | undefined): CwsError {
  const t = req.template;
  const suggestions: string[] = [];
  if (notCopied) {
    suggestions.push(
      `an image exists in ${notCopied.source_region} (${notCopied.source_ami_id}): copy it with --allow-copy (about ${humanDuration(notCopied.estimated_seconds)}, ~$${notCopied.estimated_cost_usd.toFixed(2)})`,
    );
  }
  suggestions.push(
    `pin an image in the template: ami_config.ami_mappings.${req.region}.${req.architecture}`,
    'add or log in to a registry that has one: cws registry add NAME URL',
    `or allow provisioning from the setup script: cws ami resolve ${t.name} --region ${req.region} --strategy ami_preferred`,
  );
  return new CwsError(
    `no AMI for ${t.name} in ${req.region} (${req.architecture}), and strategy ami_required forbids provisioning from the setup script`,
    { code: 'no_ami', exit: EXIT.noAmi, suggestions, data: { fallback_chain: chain } },
  );
}

function output(req: ResolveRequest, hit: Hit, chain: ChainEntry[], warnings: string[]): ResolveOutput {
  return {
    template: req.template.name,
    ami_id: hit.ami_id,
    region: req.region,
    architecture: req.architecture,
    strategy: req.strategy,
    resolution_method: hit.method,
    source: hit.source,
    fallback_chain: chain,
    warning: warnings.length ? warnings.join('; ') : null,
    warnings,
    estimated_launch_seconds: hit.estimated_launch_seconds,
    stale: hit.stale ?? false,
    copy: hit.copy ?? null,
    user_data: hit.user_data ?? null,
  };
}
