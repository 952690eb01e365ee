import { amiStatusBody } from '@cws/shared/schemas/trust';
import { ARCHITECTURES, type Architecture, CHANNEL_PATTERN, type Severity } from '@cws/shared/validators';
import { ResolveCache } from '../cache.js';
import { orderedRegistries } from '../config.js';
import type { CliContext } from '../context.js';
import { CwsError } from '../errors.js';
import { clientOptions } from '../registry-options.js';
import { findTemplate } from '../templates/catalog.js';
import type { Strategy } from '../templates/schema.js';
import type { ResolveRequest, ResolverAws, ResolverDeps } from './context.js';
import { resolvePinned } from './pinned.js';
import { ResolveCalls } from './registry-calls.js';
import { resolveAmi } from './resolver.js';
import { checkAmiStatus, type StatusCheck } from './status.js';
import type { ResolveOutput } from './types.js';

export interface ResolveFlags {
  region?: string | undefined;
  architecture?: Architecture | undefined;
  strategy?: Strategy | undefined;
  minRating?: number | undefined;
  verifiedOnly?: boolean | undefined;
  maxSeverity?: Severity | undefined;
  /** Images built on a revoked image: warn (default) or block. */
  revokedLineage?: 'warn' | 'block' | undefined;
  severityMode?: 'warn' | 'block' | undefined;
  allowUnscanned?: boolean | undefined;
  explain?: boolean | undefined;
  allowCopy?: boolean | undefined;
  /** A channel of the registry listings (stable, beta ...) [default: the template's ami_config.channel]. */
  channel?: string | undefined;
  /** false: a look, not a download; registries do not count it (--dry-run, --explain). */
  count?: boolean | undefined;
  cache: boolean;
  registryTimeoutMs?: number | undefined;
  /** Only this listing's image, from this registry (cws launch OWNER/NAME). */
  listing?: { ref: string; registry: string } | undefined;
}

/** Settles flags > env > config > template for one resolution, then walks the tiers. */
export async function runResolve(ctx: CliContext, templateArg: string, flags: ResolveFlags): Promise<ResolveOutput> {
  const { template, file } = await findTemplate(templateArg, ctx.paths.templatesDir);
  const config = await ctx.config();
  const region = await ctx.requireRegion(flags.region, `cws ami resolve ${template.name}`);

  const supported = template.architectures;
  const configArch = config.defaults?.architecture;
  const architecture: Architecture =
    flags.architecture ??
    (configArch && supported.includes(configArch) ? configArch : undefined) ??
    template.ami_config.preferred_architecture ??
    supported[0] ??
    ARCHITECTURES[0];
  if (!supported.includes(architecture)) {
    throw new CwsError(`template ${template.name} supports ${supported.join(', ')}, not ${architecture}`, {
      code: 'usage',
      suggestions: [`use --architecture ${supported[0]}`],
    });
  }

  const ac = template.ami_config;
  if (flags.channel !== undefined && !CHANNEL_PATTERN.test(flags.channel)) {
    throw new CwsError(`--channel ${flags.channel} is not a channel name: 1-32 lowercase letters, digits or -`, {
      code: 'usage',
      suggestions: ['e.g. --channel stable; the channels of a listing: cws ami channel list OWNER/NAME'],
    });
  }
  const strategy: Strategy =
    flags.strategy ??
    (ac.strategy === 'ami_preferred' && ac.fallback_strategy === 'fail' ? 'ami_required' : ac.strategy);

  const req: ResolveRequest = {
    template,
    region,
    architecture,
    strategy,
    // Flags override the template's ami_config.policy, key by key.
    policy: {
      min_rating: flags.minRating ?? ac.policy?.min_rating,
      verified_only: flags.verifiedOnly || ac.policy?.verified_only || undefined,
      max_severity: flags.maxSeverity ?? ac.policy?.max_severity,
      severity_mode: flags.severityMode ?? ac.policy?.severity_mode,
      allow_unscanned: flags.allowUnscanned ?? ac.policy?.allow_unscanned,
      ...((flags.revokedLineage ?? ac.policy?.revoked_lineage) === 'block'
        ? { revoked_lineage: 'block' as const }
        : {}),
    },
    allowCopy: flags.allowCopy ?? false,
    explain: flags.explain,
    channel: flags.channel ?? ac.channel,
    count: flags.count ?? true,
    ...(flags.listing ? { listing: flags.listing } : {}),
  };
  if (req.policy.max_severity === undefined && (req.policy.severity_mode || req.policy.allow_unscanned)) {
    throw new CwsError('--severity-mode and --allow-unscanned need a maximum severity', {
      code: 'usage',
      suggestions: ["add --max-severity high (or max_severity in the template's ami_config.policy)"],
    });
  }
  const timeoutMs = flags.registryTimeoutMs ?? ctx.registryTimeoutMs;
  // One retry, and at most 2 s for a 429's Retry-After: a resolution should not wait long on any one registry.
  const registries = orderedRegistries(config).map((r) => ({
    name: r.name,
    url: r.url,
    client: new ResolveCalls(clientOptions(r, { timeoutMs, retries: 1, maxRetryAfterMs: 2000 })),
  }));
  // The AWS SDK (and the gateway around it) loads only when a tier calls EC2 or SSM: not when a mapping or a
  // registry answers.
  const aws: ResolverAws = {
    findNewestImage: async (...a) => (await ctx.aws()).findNewestImage(...a),
    copyImage: async (...a) => (await ctx.aws()).copyImage(...a),
    getParameter: async (...a) => (await ctx.aws()).getParameter(...a),
  };
  const deps: ResolverDeps = {
    aws,
    registries,
    statusCheck: async (amiId) => (await checkAmiStatus([amiId], registries))[0] as StatusCheck,
    cache: new ResolveCache(ctx.paths.cacheDir),
    useCache: flags.cache,
    cacheTtlMs: (await ctx.cacheTtlSeconds()) * 1000,
  };
  // cws launch OWNER/NAME: only that listing's image (pinned.ts), not the tiers' best.
  return req.listing ? resolvePinned(req, req.listing, deps) : resolveAmi(req, file, deps);
}

/** `cws ami status`: the revocation check of these images across the configured registries, in priority order. */
export async function runStatus(ctx: CliContext, amiIds: string[], registryTimeoutMs?: number): Promise<StatusCheck[]> {
  const parsed = amiStatusBody.safeParse({ ami_ids: amiIds });
  if (!parsed.success) {
    throw new CwsError(`bad AMI ids: ${parsed.error.issues.map((i) => i.message).join('; ')}`, {
      code: 'usage',
      suggestions: ['pass 1 to 100 image ids, e.g. cws ami status ami-0123456789abcdef0'],
    });
  }
  const config = await ctx.config();
  const timeoutMs = registryTimeoutMs ?? ctx.registryTimeoutMs;
  const registries = orderedRegistries(config).map((r) => ({
    name: r.name,
    url: r.url,
    client: new ResolveCalls(clientOptions(r, { timeoutMs, retries: 1, maxRetryAfterMs: 2000 })),
  }));
  return checkAmiStatus(parsed.data.ami_ids, registries);
}
