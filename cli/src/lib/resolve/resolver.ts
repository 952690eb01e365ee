import { AwsError } from '../aws/gateway.js';
import { CwsError } from '../errors.js';
import { elapsed, type Hit, type ResolveRequest, type ResolverDeps, type TierResult } from './context.js';
import { humanDuration } from './estimates.js';
import { describeLineage, describeStatus, type StatusCheck } from './status.js';
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
  const revoked: StatusCheck[] = [];
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
      if (!hit) continue;
      const { check, refused } = await vet(hit, chain, warnings, deps, req);
      if (check && refused) {
        revoked.push(check);
        continue;
      }
      return output(req, hit, chain, warnings, check);
    }
  }

  if (req.strategy === 'ami_required') {
    chain.push({ tier: 'script_fallback', outcome: 'skipped', detail: 'strategy ami_required', ms: 0 });
    if (revoked.length) throw allRevoked(req, chain, revoked);
    throw noAmi(req, chain, notCopied);
  }
  const hit = take(await scriptFallback(req, deps));
  if (hit) {
    // The setup script's base image is checked too: a registry may have revoked it (or what it was built on).
    const { check, refused } = await vet(hit, chain, warnings, deps, req);
    if (check && refused) throw allRevoked(req, chain, [...revoked, check], true);
    return output(req, hit, chain, warnings, check);
  }
  if (awsError instanceof AwsError) {
    throw new CwsError(`could not resolve an image for ${req.template.name} in ${req.region}: ${awsError.message}`, {
      code: 'aws_error',
      suggestions: awsError.suggestions,
      data: { fallback_chain: chain },
    });
  }
  throw new CwsError(
    `could not resolve an image for ${req.template.name} in ${req.region} (${req.architecture}), not even a base image`,
    {
      code: 'no_ami',
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
    { code: 'no_ami', suggestions, data: { fallback_chain: chain } },
  );
}

/**
 * Asks the registries about the image a tier found. Revoked (or, under revoked_lineage=block, built on a revoked
 * image): the tier's entry becomes `rejected` and a warning says why (the caller goes on to the next tier);
 * deprecated, built on a revoked image, or no registry reachable: a warning.
 */
export async function vet(
  hit: Hit,
  chain: ChainEntry[],
  warnings: string[],
  deps: ResolverDeps,
  req: ResolveRequest,
): Promise<{ check: StatusCheck | null; refused: boolean }> {
  if (!deps.statusCheck) return { check: null, refused: false };
  const t0 = performance.now();
  const check = await deps.statusCheck(hit.ami_id);
  const line = describeStatus(check);
  const lineage = describeLineage(check);
  const blockLineage = lineage !== null && req.policy.revoked_lineage === 'block';
  const refused = check.status === 'revoked' || blockLineage;
  const outcome = refused ? 'rejected' : check.status === 'unknown' ? 'error' : 'passed';
  for (const s of check.skipped) warnings.push(`registry ${s.registry} not asked about ${hit.ami_id} (${s.error})`);
  chain.push({ tier: 'status_check', outcome, detail: lineage ? `${line}; ${lineage}` : line, ms: elapsed(t0) });
  if (refused) {
    const selected = chain.findLast((e) => e.outcome === 'selected' && e.tier === hit.method);
    if (selected) {
      selected.outcome = 'rejected';
      selected.detail += check.status === 'revoked' ? ' (revoked)' : ' (built on a revoked image)';
    }
    warnings.push(check.status === 'revoked' ? `refused ${line}` : `refused ${lineage} (revoked_lineage=block)`);
  } else {
    if (check.status === 'deprecated' || check.status === 'unknown') warnings.push(line);
    // The registry tier's own answer may carry the same warning already.
    const message = check.revoked_ancestor?.message;
    if (lineage && !warnings.some((w) => message && w.includes(message))) warnings.push(lineage);
  }
  return { check, refused };
}

export function allRevoked(
  req: ResolveRequest,
  chain: ChainEntry[],
  revoked: StatusCheck[],
  baseImage = false,
): CwsError {
  const instead = revoked
    .map((c) => c.verdict?.use_instead)
    .filter((u) => u != null)
    .map((u) => `use ${u.listing}@${u.version}${u.ami_id ? ` (${u.ami_id})` : ''} instead`);
  return new CwsError(
    `no acceptable AMI for ${req.template.name} in ${req.region} (${req.architecture}): ${revoked.map((c) => (describeLineage(c) && c.status !== 'revoked' ? describeLineage(c) : describeStatus(c))).join('; ')}`,
    {
      code: 'ami_revoked',
      suggestions: [
        ...instead,
        ...(baseImage
          ? [`the setup script's base image is refused too: change the template's base_image`]
          : [
              `remove the revoked image from the template's ami_config.ami_mappings.${req.region}.${req.architecture}`,
              `or allow provisioning from the setup script: --strategy ami_preferred`,
            ]),
      ],
      data: { fallback_chain: chain, status_checks: revoked },
    },
  );
}

export function output(
  req: ResolveRequest,
  hit: Hit,
  chain: ChainEntry[],
  warnings: string[],
  statusCheck: StatusCheck | null,
): ResolveOutput {
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
    status_check: statusCheck,
  };
}
