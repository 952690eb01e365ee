import type { ChainEntry, ResolveOutput } from '../lib/resolve/types.js';
import { scanPolicyOf } from '../lib/scan-policy.js';
import type { CommandIo } from './command-io.js';

/** The flags of `cws ami resolve`, as oclif (or the lean start-up path) parsed them. */
export interface ResolveCommandFlags {
  region?: string | undefined;
  architecture?: string | undefined;
  strategy?: string | undefined;
  'min-rating'?: string | undefined;
  'verified-only'?: boolean | undefined;
  'max-severity'?: string | undefined;
  'severity-mode'?: string | undefined;
  'allow-unscanned'?: boolean | undefined;
  'revoked-lineage'?: string | undefined;
  'allow-copy'?: boolean | undefined;
  channel?: string | undefined;
  explain?: boolean | undefined;
  cache: boolean;
  'registry-timeout'?: string | undefined;
}

/**
 * `cws ami resolve`'s work and its output for people (under --json the returned result is the output), apart from
 * the oclif command so the lean start-up path runs the very same code.
 */
export async function resolveCommand(
  io: CommandIo,
  template: string,
  flags: ResolveCommandFlags,
): Promise<ResolveOutput> {
  const { runResolve } = await import('../lib/resolve/run.js');
  const { parseRating, parseSeconds } = await import('../lib/flags.js');
  const ctx = await io.context();
  const minRating = parseRating(flags['min-rating'], '--min-rating');
  const spinner = io.spinner(`Resolving ${template}`);
  let result: ResolveOutput;
  try {
    result = await runResolve(ctx, template, {
      region: flags.region,
      architecture: flags.architecture as ResolveOutput['architecture'] | undefined,
      strategy: flags.strategy as ResolveOutput['strategy'] | undefined,
      minRating,
      verifiedOnly: flags['verified-only'],
      ...scanPolicyOf(flags),
      explain: flags.explain,
      allowCopy: flags['allow-copy'],
      channel: flags.channel,
      // Explaining is looking, not downloading: the registries do not count it.
      count: !flags.explain,
      cache: flags.cache,
      registryTimeoutMs:
        flags['registry-timeout'] === undefined
          ? undefined
          : parseSeconds(flags['registry-timeout'], '--registry-timeout'),
    });
  } catch (err) {
    spinner.stop();
    const chain = (err as { data?: { fallback_chain?: ChainEntry[] } }).data?.fallback_chain;
    if (flags.explain && chain && !io.jsonEnabled()) io.logToStderr(await chainTable(chain));
    throw err;
  }
  spinner.stop();
  await print(io, result, flags.explain);
  return result;
}

async function chainTable(chain: ChainEntry[]): Promise<string> {
  const { renderTable } = await import('./table.js');
  const table = renderTable(chain, [
    { header: 'TIER', get: (e) => (e.name ? `${e.tier} (${e.name})` : e.tier) },
    { header: 'OUTCOME', get: (e) => e.outcome },
    { header: 'MS', get: (e) => e.ms },
    { header: 'DETAIL', get: (e) => e.detail, maxWidth: 160 },
  ]);
  // What each registry's policy passed over, ranked above its answer.
  const passed = chain.flatMap((e) =>
    (e.excluded ?? []).map((x) => `  ${e.name}: ${x.listing}@${x.version} ${x.ami_id}: ${x.reasons.join('; ')}`),
  );
  return passed.length ? `${table}\nPassed over by the policy:\n${passed.join('\n')}` : table;
}

async function print(io: CommandIo, r: ResolveOutput, explain: boolean | undefined): Promise<void> {
  if (io.jsonEnabled()) return;
  if (explain) io.log(`${await chainTable(r.fallback_chain)}\n`);
  const minutes = Math.max(1, Math.round(r.estimated_launch_seconds / 60));
  io.log(`${r.ami_id}  ${r.region} ${r.architecture}  via ${r.resolution_method}${r.stale ? ' (stale cache)' : ''}`);
  const s = r.source;
  const from =
    s.type === 'registry'
      ? `registry ${s.name}: ${s.listing}@${s.version}${s.channel ? ` (channel ${s.channel})` : ''}${s.cached ? ' (cached)' : ''}`
      : s.type === 'template'
        ? `template ${s.name}`
        : s.type === 'ssm'
          ? `SSM parameter ${s.name}`
          : `${s.name}${s.image_name ? ` "${s.image_name}"` : ''}${s.source_region ? ` from ${s.source_region}` : ''}`;
  io.log(`  source: ${from}`);
  if (r.user_data?.present) io.log(`  user data: setup script, ${r.user_data.bytes} bytes`);
  if (r.status_check)
    io.log(
      `  status: ${r.status_check.status}${r.status_check.verdict ? ` (${r.status_check.verdict.registry})` : ''}`,
    );
  io.log(`  launch: about ${minutes} min`);
  for (const w of r.warnings) io.warn(w);
}
