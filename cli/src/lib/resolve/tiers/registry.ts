import { isNoMatch, isRegistryError } from '@cws/shared/client/errors';
import { normalizeBaseUrl } from '@cws/shared/client/http';
import type { ExcludedImage, ResolveResult } from '@cws/shared/schemas/resolve';
import { severityRank } from '@cws/shared/severities';
import { cacheKey } from '../../cache.js';
import {
  elapsed,
  type Hit,
  type RegistryTarget,
  type ResolveRequest,
  type ResolverDeps,
  type TierResult,
} from '../context.js';
import { AMI_LAUNCH_SECONDS, humanDuration } from '../estimates.js';
import type { ChainEntry, ResolvePolicy } from '../types.js';

/** The client re-checks the policy: a third-party registry may ignore query parameters it does not know. */
export function policyProblem(result: ResolveResult, policy: ResolvePolicy): string | null {
  if (policy.min_rating !== undefined && result.listing.rating.average < policy.min_rating) {
    return `rated ${result.listing.rating.average}, below --min-rating ${policy.min_rating}`;
  }
  if (policy.verified_only && result.verification.status !== 'verified') {
    return `verification is ${result.verification.status}, and --verified-only is set`;
  }
  if (policy.max_severity !== undefined && (policy.severity_mode ?? 'warn') === 'block') {
    const judged = judgedBy(result, policy);
    if (judged) {
      // The registry judged with its exceptions (accepted findings do not count): trust its verdict.
      if (judged.verdict === 'above') return judged.message;
      if (judged.verdict === 'unscanned' && !policy.allow_unscanned)
        return 'not scanned, and --severity-mode block without --allow-unscanned';
      return null;
    }
    const scan = result.scan;
    if (scan?.status !== 'complete') {
      return policy.allow_unscanned ? null : 'not scanned, and --severity-mode block without --allow-unscanned';
    }
    if (scan.highest && severityRank(scan.highest) > severityRank(policy.max_severity)) {
      return `scan found ${scan.highest} findings, above --max-severity ${policy.max_severity}`;
    }
  }
  return null;
}

/** The registry's own verdict on our scan policy, when it judged the same policy (older registries do not). */
function judgedBy(result: ResolveResult, policy: ResolvePolicy) {
  const v = result.policy;
  if (!v || v.max_severity !== policy.max_severity || v.mode !== (policy.severity_mode ?? 'warn')) return null;
  return v;
}

/** Warn mode against a registry that did not judge the policy: say what its scan summary shows. */
function policyWarnings(name: string, result: ResolveResult, policy: ResolvePolicy): string[] {
  if (policy.max_severity === undefined || (policy.severity_mode ?? 'warn') !== 'warn') return [];
  if (judgedBy(result, policy)) return [];
  const scan = result.scan;
  if (scan?.status !== 'complete')
    return [`${name}: ${result.ami_id} is not scanned; --max-severity could not be checked`];
  if (scan.highest && severityRank(scan.highest) > severityRank(policy.max_severity))
    return [`${name}: ${result.ami_id} has ${scan.highest} scan findings, above --max-severity ${policy.max_severity}`];
  return [];
}

function scanWarnings(name: string, result: ResolveResult): string[] {
  const counts = result.scan?.counts;
  if (!counts || (counts.critical === 0 && counts.high === 0)) return [];
  return [`${name}: ${result.ami_id} has ${counts.critical} critical and ${counts.high} high scan findings`];
}

function hitFrom(reg: { name: string; url: string }, result: ResolveResult, extra: Partial<Hit['source']> = {}): Hit {
  return {
    ami_id: result.ami_id,
    method: 'registry',
    source: {
      type: 'registry',
      name: reg.name,
      url: reg.url,
      listing: result.listing.ref,
      version: result.version.version,
      ...(result.version.channel ? { channel: result.version.channel } : {}),
      ...extra,
    },
    estimated_launch_seconds: AMI_LAUNCH_SECONDS,
  };
}

const describe = (r: ResolveResult) =>
  `${r.ami_id} from ${r.listing.ref}@${r.version.version}${r.version.channel ? ` (channel ${r.version.channel})` : ''} (${ratingWords(r.listing.rating)}, ${r.verification.status})`;

/** "rated 4.6 by 12 people", "rated 5 by 1 person", "not rated yet": never "4.6/12", which reads as out of 12. */
function ratingWords(rating: { average: number; count: number }): string {
  if (rating.count === 0) return 'not rated yet';
  return `rated ${rating.average} by ${rating.count} ${rating.count === 1 ? 'person' : 'people'}`;
}

/**
 * Tier 2: each configured registry in priority order. A registry that fails is skipped with a warning; when the
 * registry that gave the last cached answer fails, that answer is used and marked stale.
 */
export async function registryTier(req: ResolveRequest, deps: ResolverDeps): Promise<TierResult> {
  const now = deps.now ?? Date.now;
  if (deps.registries.length === 0) {
    return {
      entries: [
        { tier: 'registry', outcome: 'skipped', detail: 'no registries configured (cws registry add NAME URL)', ms: 0 },
      ],
      warnings: [],
    };
  }
  const key = cacheKey({
    template: req.template.name,
    region: req.region,
    architecture: req.architecture,
    ...req.policy,
    ...(req.channel ? { channel: req.channel } : {}),
    ...(req.listing ? { listing: req.listing.ref } : {}),
  });
  const configured = (name: string, url: string) =>
    deps.registries.find((r) => r.name === name && normalizeBaseUrl(r.url) === normalizeBaseUrl(url));
  const cache = deps.useCache ? deps.cache : undefined;

  // Registries are always asked, so a revocation takes effect at once; the cache only
  // stands in for a registry that cannot be reached.
  const cached = cache ? await cache.get(key, now()) : undefined;

  const entries: ChainEntry[] = [];
  const warnings: string[] = [];
  const failed = new Set<string>();
  for (const reg of deps.registries) {
    const t0 = performance.now();
    const push = (outcome: ChainEntry['outcome'], detail: string) =>
      entries.push({ tier: 'registry', name: reg.name, outcome, detail, ms: elapsed(t0) });
    try {
      const result = await reg.client.resolve(req.template.name, {
        region: req.region,
        architecture: req.architecture,
        ...req.policy,
        ...(req.explain ? { explain: true } : {}),
        ...(req.channel ? { channel: req.channel } : {}),
        ...(req.count === false ? { count: false } : {}),
        ...(req.listing ? { listing: req.listing.ref } : {}),
      });
      if (result.region !== req.region || result.architecture !== req.architecture) {
        push('rejected', `answered for ${result.region}/${result.architecture}, not ${req.region}/${req.architecture}`);
        continue;
      }
      // A registry that ignores listing= (an older one) would answer with any listing's image.
      if (req.listing && result.listing.ref !== req.listing.ref) {
        push(
          'rejected',
          `${result.ami_id} is from ${result.listing.ref}, not the listing asked for, ${req.listing.ref}`,
        );
        continue;
      }
      if (req.channel && result.version.channel !== req.channel) {
        push('rejected', `${result.ami_id} from ${result.listing.ref}: not from channel ${req.channel}`);
        continue;
      }
      const problem = policyProblem(result, req.policy);
      if (problem) {
        push('rejected', `${result.ami_id} from ${result.listing.ref}: ${problem}`);
        continue;
      }
      await cache?.put(key, { name: reg.name, url: reg.url }, result, now());
      push('selected', describe(result));
      if (result.excluded?.length) entries.at(-1)!.excluded = result.excluded;
      warnings.push(
        ...result.warnings.map((w) => `${reg.name}: ${w}`),
        ...(result.policy ? [] : scanWarnings(reg.name, result)),
        ...policyWarnings(reg.name, result, req.policy),
      );
      return { entries, warnings, hit: hitFrom(reg, result) };
    } catch (err) {
      if (isNoMatch(err)) {
        push('not_found', `no match: ${(err as Error).message.split('; passed over: ')[0]}`);
        const excluded = passedOver(err);
        if (excluded.length > 0) entries.at(-1)!.excluded = excluded;
        continue;
      }
      if (!isRegistryError(err)) throw err;
      failed.add(reg.name);
      push('error', err.summary);
      warnings.push(`registry ${reg.name} skipped (${err.summary})${hintFor(err.status, reg)}`);
    }
  }

  if (
    cached &&
    failed.has(cached.entry.registry.name) &&
    configured(cached.entry.registry.name, cached.entry.registry.url)
  ) {
    const { entry, ageMs } = cached;
    const age = humanDuration(ageMs / 1000);
    if (ageMs > deps.cacheTtlMs) {
      entries.push({
        tier: 'registry',
        name: entry.registry.name,
        outcome: 'skipped',
        detail: `cached answer from ${entry.cached_at} is ${age} old, older than the cache TTL (CWS_CACHE_TTL): not used`,
        ms: 0,
      });
      return { entries, warnings };
    }
    entries.push({
      tier: 'registry',
      name: entry.registry.name,
      outcome: 'selected',
      detail: `stale cached answer from ${entry.cached_at} (${age} old), because ${entry.registry.name} is unreachable: ${describe(entry.result)}`,
      ms: 0,
    });
    warnings.push(`using a stale cached answer from ${entry.registry.name} (${age} old): the registry is unreachable`);
    return {
      entries,
      warnings,
      hit: {
        ...hitFrom(entry.registry, entry.result, { cached: true, stale: true, cached_at: entry.cached_at }),
        stale: true,
      },
    };
  }
  return { entries, warnings };
}

/** explain=true on a miss: the registry names each image its policy passed over in the error's details. */
function passedOver(err: unknown): ExcludedImage[] {
  const details = (err as { details?: Array<{ path: string; message: string }> }).details ?? [];
  return details.flatMap((d) => {
    const m = /^(\S+)@(\S+) (ami-[0-9a-f]+)$/.exec(d.path);
    return m ? [{ listing: m[1]!, version: m[2]!, ami_id: m[3]!, reasons: [d.message] }] : [];
  });
}

function hintFor(status: number | undefined, reg: RegistryTarget): string {
  if (status === 401) {
    return `; log in again with a token from ${reg.url.replace(/\/+$/, '')}/account/tokens: cws login --registry ${reg.name} --token TOKEN`;
  }
  if (status === 403) return `; your token for ${reg.name} may not read this`;
  if (status === 404) return `; is ${reg.url} a cws registry? check: cws registry list`;
  return '';
}
