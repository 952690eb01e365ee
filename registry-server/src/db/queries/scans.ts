import type { ExpressionBuilder } from 'kysely';
import type { DB } from '../schema.js';

/**
 * The latest scan of region image `r`, as a lateral subquery named `s`: use it as
 * `.leftJoinLateral(latestScan, (join) => join.onTrue()).select(LATEST_SCAN_COLUMNS)`.
 */
export function latestScan(eb: ExpressionBuilder<DB & { r: DB['image_regions'] }, 'r'>) {
  return eb
    .selectFrom('scans')
    .select(['scanner', 'status as scan_status', 'critical', 'high', 'medium', 'low', 'informational', 'scanned_at'])
    .whereRef('scans.region_image_id', '=', 'r.id')
    .orderBy('scanned_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .as('s');
}

export const LATEST_SCAN_COLUMNS = [
  's.scanner',
  's.scan_status',
  's.critical',
  's.high',
  's.medium',
  's.low',
  's.informational',
  's.scanned_at',
] as const;
