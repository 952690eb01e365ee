import type { ListingDetail } from '@cws/shared';
import type { Db } from '../db/database.js';
import { audit } from '../db/queries/audit.js';
import { clearNewFinding, scanAlert } from '../db/queries/scans.js';
import { iso } from './present.js';

/**
 * The listing's "new critical finding since <date>" mark: set when a rescan finds a critical or
 * high finding the previous complete scan of that image did not have (ScanService). It stays until
 * the owner publishes a new version (presumably the fix; it is scanned in turn) or acknowledges it
 * (DELETE .../scan-alert); either is audit-logged.
 */
export async function scanAlertOf(
  db: Db,
  listing: { id: number; new_finding_since: Date | null },
): Promise<ListingDetail['scan_alert']> {
  if (!listing.new_finding_since) return null;
  const details = await scanAlert(db, listing.id, listing.new_finding_since);
  const severity = (details.critical ?? 1) > 0 ? 'critical' : 'high';
  const since = iso(listing.new_finding_since)!;
  return {
    since,
    severity,
    vulnerability_ids: details.vulnerability_ids ?? [],
    message: `new ${severity} finding since ${since.slice(0, 10)}`,
  };
}

/** Clears the mark, with an audit entry saying why; nothing when there was none. */
export async function clearScanAlert(
  db: Db,
  listing: { id: number; owner: string; name: string },
  actorId: number,
  why: string,
): Promise<boolean> {
  if (!(await clearNewFinding(db, listing.id))) return false;
  await audit(db, {
    actor_id: actorId,
    action: 'scan.alert_cleared',
    image_id: listing.id,
    target: `${listing.owner}/${listing.name}`,
    details: { reason: why },
  });
  return true;
}
