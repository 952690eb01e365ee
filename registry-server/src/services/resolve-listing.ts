import { parseListingRef } from '@cws/shared';
import type { Db } from '../db/database.js';
import { findListing } from '../db/queries/listings.js';
import type { ResolvePolicy, ResolveRow } from '../db/queries/resolve.js';
import { listingCandidates, listingSlots } from '../db/queries/resolve-listing.js';
import { type RevokedAncestor, revokedAncestors } from '../db/queries/trust.js';
import type { AccessScope } from '../db/queries/visibility.js';
import { canSee } from './access.js';
import { round2 } from './present.js';
import { blockedReasons, type ScanPolicy } from './scan-policy.js';

/** The listing a resolve is pinned to (`listing=OWNER/NAME`). */
export interface ListingPin {
  ref: string;
  imageId: number;
}

/** A pinned resolve's choice, or why the listing has none (a 404 naming the listing). */
export type PinnedPick =
  | { pin: ListingPin; best: ResolveRow; ancestor: RevokedAncestor | undefined }
  | { pin: ListingPin | null; miss: string };

/**
 * The best image of one listing under a policy: the listing as its pages show it to this viewer
 * (an org or private listing the viewer may not see is "no listing", as there), for the template
 * asked for, then its own rows ranked and filtered as an unpinned resolve ranks and filters them.
 * Never another listing's image: when this one has none that fits, the miss says why.
 */
export async function pickFromListing(
  db: Db,
  ref: string,
  p: ResolvePolicy,
  scope: AccessScope,
  scan: ScanPolicy | null,
  lineage: 'warn' | 'block',
): Promise<PinnedPick> {
  const target = parseListingRef(ref);
  const listing = target ? await findListing(db, target.owner, target.name) : undefined;
  if (!listing || !canSee(scope, listing)) return { pin: null, miss: `no listing ${ref}` };
  const pin = { ref, imageId: listing.id };
  if (listing.template !== p.template) {
    return { pin, miss: `listing ${ref} is for template ${listing.template}, not ${p.template}` };
  }
  const candidates = await listingCandidates(db, listing.id, p, 25, true, scope);
  const ancestors =
    lineage === 'block'
      ? await revokedAncestors(
          db,
          candidates.map((c) => c.version_id),
        )
      : await revokedAncestors(
          db,
          candidates.slice(0, 1).map((c) => c.version_id),
        );
  const best = lineage === 'block' ? candidates.find((c) => !ancestors.has(c.version_id)) : candidates[0];
  if (best) return { pin, best, ancestor: ancestors.get(best.version_id) };
  const miss = await explainListingMiss(db, pin, p, scope, scan);
  const lineageNote =
    candidates.length > 0 ? `; ${candidates.length} built on a revoked image (revoked_lineage=block)` : '';
  return { pin, miss: `${miss}${lineageNote}` };
}

/** Why a listing has no image for the policy: what it has here (revoked, unavailable, filtered out) or where it has some. */
async function explainListingMiss(
  db: Db,
  pin: ListingPin,
  p: ResolvePolicy,
  scope: AccessScope,
  scan: ScanPolicy | null,
): Promise<string> {
  const where = `${p.template} in ${p.region}/${p.architecture}`;
  const slots = await listingSlots(db, pin.imageId);
  const here = slots.filter((s) => s.region === p.region && s.architecture === p.architecture);
  if (here.length === 0) {
    const usable = [
      ...new Set(
        slots
          .filter((s) => s.status !== 'revoked' && s.state === 'available')
          .map((s) => `${s.region}/${s.architecture}`),
      ),
    ];
    return `listing ${pin.ref} has no image for ${where}${usable.length ? ` (it has images in ${usable.join(', ')})` : ''}`;
  }
  const total = here.reduce((n, s) => n + Number(s.n), 0);
  const reasons: string[] = [];
  const revoked = here.filter((s) => s.status === 'revoked');
  if (revoked.length > 0) {
    const n = revoked.reduce((sum, s) => sum + Number(s.n), 0);
    reasons.push(`${n} revoked (version ${revoked.map((s) => s.versions).join(', ')})`);
  }
  const unavailable = here
    .filter((s) => s.status !== 'revoked' && s.state !== 'available')
    .reduce((n, s) => n + Number(s.n), 0);
  if (unavailable > 0) reasons.push(`${unavailable} not available`);
  const open = await listingCandidates(db, pin.imageId, p, 1000, false, scope);
  const usable = here
    .filter((s) => s.status !== 'revoked' && s.state === 'available')
    .reduce((n, s) => n + Number(s.n), 0);
  if (p.channel && usable > 0 && open.length === 0) reasons.push(`channel "${p.channel}" points at none of the others`);
  if (p.minRating !== undefined) {
    const low = open.filter((r) => Number(r.rating_avg) < p.minRating!);
    if (low.length > 0) reasons.push(`rated ${round2(low[0]!.rating_avg)}, below min_rating ${p.minRating}`);
  }
  if (p.verifiedOnly) {
    const unverified = open.filter((r) => r.verification_status !== 'verified').length;
    if (unverified > 0) reasons.push(`${unverified} not verified (verified_only)`);
  }
  if (scan?.mode === 'block') reasons.push(...(await blockedReasons(db, open, scan)));
  return `listing ${pin.ref} has no image for ${where} that matches (${total} known: ${reasons.join(', ') || 'none usable'})`;
}
