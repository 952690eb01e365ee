/**
 * The one list of scan severities (Inspector2's, lower-cased), lowest first. No zod here: the CLI's flag
 * definitions load this on every start (`@cws/shared/severities`), before any command needs the schemas.
 */
export const SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** Highest first, for summaries and option lists. */
export const SEVERITIES_HIGHEST_FIRST: readonly Severity[] = [...SEVERITIES].reverse();
export const isSeverity = (s: string): s is Severity => (SEVERITIES as readonly string[]).includes(s);

/** 0 for informational up to 4 for critical. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}
