import type { ResolveFlags } from './resolve/run.js';

// Apart from policy-flags.ts (which builds oclif flags) so the lean start-up path can use it without oclif.
/** The parsed scan-policy flags, as runResolve takes them. */
export function scanPolicyOf(flags: {
  'max-severity'?: string | undefined;
  'severity-mode'?: string | undefined;
  'allow-unscanned'?: boolean | undefined;
  'revoked-lineage'?: string | undefined;
}): Pick<ResolveFlags, 'maxSeverity' | 'severityMode' | 'allowUnscanned' | 'revokedLineage'> {
  return {
    maxSeverity: flags['max-severity'] as ResolveFlags['maxSeverity'],
    severityMode: flags['severity-mode'] as ResolveFlags['severityMode'],
    allowUnscanned: flags['allow-unscanned'],
    revokedLineage: flags['revoked-lineage'] as ResolveFlags['revokedLineage'],
  };
}
