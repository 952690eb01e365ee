import type { Migration } from 'kysely';
import * as searchPostings from './2026120310_search_postings.js';
import * as rateListingFunction from './2026120320_rate_listing_function.js';
import * as ratingWriteIndexes from './2026120321_rating_write_indexes.js';
import * as liveTokenFunction from './2026120322_live_token_function.js';
import * as dropUnusedSearchIndexes from './2026120330_drop_unused_search_indexes.js';
import * as resolveSlots from './2026120340_resolve_slots.js';
import * as dropImageStatsRankIndex from './2026120350_drop_image_stats_rank_index.js';
import * as pendingRegionsIndex from './2026120360_pending_regions_index.js';
import * as resolveWalkIndex from './2026120365_resolve_walk_index.js';
import * as deviceApprovalBounds from './2026120370_device_approval_bounds.js';
import * as resolveSlotsScanChannel from './2026120375_resolve_slots_scan_channel.js';
import * as scanSlotsWithoutListingLock from './2026120380_scan_slots_without_listing_lock.js';
import * as scanInsertLocksListing from './2026120385_scan_insert_locks_listing.js';
import * as listingCards from './2026120390_listing_cards.js';
import * as imageStats from './202612021201_image_stats.js';
import * as versionTemplates from './202612021401_version_templates.js';
import * as initial from './20261121000000_initial.js';
import * as webSessions from './20261122000000_web_sessions.js';
import * as searchWordsEveryScript from './20261201090000_search_words_every_script.js';
import * as webSessionOrigin from './20261201090100_web_session_origin.js';
import * as jobs from './20261201100000_jobs.js';
import * as scanFindings from './20261201100100_scan_findings.js';
import * as trust from './20261201110000_trust.js';
import * as resolveRankIndex from './20261201120000_resolve_rank_index.js';
import * as samlAndDeviceLogin from './20261201130000_saml_and_device_login.js';
import * as organisations from './20261201131000_organisations.js';
import * as mirrorOrigin from './20261201131100_mirror_origin.js';
import * as versionChecks from './20261201150000_version_checks.js';
import * as invitations from './20261202140100_invitations.js';

/**
 * The order of migration names, as Kysely's Migrator sorts the migrations it is given (`sort()`:
 * UTF-16 code units). Pass it as the Migrator's `nameComparator`: Kysely orders the migrations a
 * database already ran by their timestamp and, within one millisecond, by `localeCompare`, which
 * puts '202612021401_version_templates' before '20261202140100_invitations' where `sort()` puts
 * it after; a fast machine runs both in one millisecond and the ordered check then fails with
 * "corrupted migrations".
 */
export function migrationNameOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Every migration, by name, in order. Listed by hand rather than read from the folder:
 * a file-system provider breaks once the server is bundled.
 * `pnpm --filter @cws/migrations new NAME` makes a new file; add it here.
 */
export const migrations: Record<string, Migration> = {
  '20261121000000_initial': initial,
  '20261122000000_web_sessions': webSessions,
  '20261201120000_resolve_rank_index': resolveRankIndex,
  '20261201130000_saml_and_device_login': samlAndDeviceLogin,
  '20261201131000_organisations': organisations,
  '20261201100000_jobs': jobs,
  '20261201150000_version_checks': versionChecks,
  '20261201100100_scan_findings': scanFindings,
  '20261201090000_search_words_every_script': searchWordsEveryScript,
  '20261201110000_trust': trust,
  '20261201131100_mirror_origin': mirrorOrigin,
  '20261201090100_web_session_origin': webSessionOrigin,
  '202612021201_image_stats': imageStats,
  '202612021401_version_templates': versionTemplates,
  '20261202140100_invitations': invitations,
  '2026120320_rate_listing_function': rateListingFunction,
  '2026120321_rating_write_indexes': ratingWriteIndexes,
  '2026120322_live_token_function': liveTokenFunction,
  '2026120310_search_postings': searchPostings,
  '2026120330_drop_unused_search_indexes': dropUnusedSearchIndexes,
  '2026120340_resolve_slots': resolveSlots,
  '2026120350_drop_image_stats_rank_index': dropImageStatsRankIndex,
  '2026120360_pending_regions_index': pendingRegionsIndex,
  '2026120365_resolve_walk_index': resolveWalkIndex,
  '2026120370_device_approval_bounds': deviceApprovalBounds,
  '2026120375_resolve_slots_scan_channel': resolveSlotsScanChannel,
  '2026120380_scan_slots_without_listing_lock': scanSlotsWithoutListingLock,
  '2026120385_scan_insert_locks_listing': scanInsertLocksListing,
  '2026120390_listing_cards': listingCards,
};
