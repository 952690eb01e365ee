import type { ApiTokensTable } from './tables/api-tokens.js';
import type { AuditLogTable } from './tables/audit-log.js';
import type { AwsAccountsTable } from './tables/aws-accounts.js';
import type { ChannelsTable } from './tables/channels.js';
import type { DeviceAuthorizationsTable } from './tables/device.js';
import type { ImageRegionsTable } from './tables/image-regions.js';
import type { ImageStatsTable } from './tables/image-stats.js';
import type { ImageVersionsTable } from './tables/image-versions.js';
import type { ImagesTable, SearchPostingsTable, SearchWordsTable } from './tables/images.js';
import type { InvitationsTable } from './tables/invitations.js';
import type { JobSchedulesTable, JobsTable } from './tables/jobs.js';
import type { DownloadIdentitiesTable, LaunchesTable } from './tables/launches.js';
import type { ListingCardsTable } from './tables/listing-cards.js';
import type { OrganisationMembersTable } from './tables/organisations.js';
import type { RatingsTable } from './tables/ratings.js';
import type { ResolveSlotsTable } from './tables/resolve-slots.js';
import type { SamlAssertionsTable, SamlIdentitiesTable, SamlRequestsTable } from './tables/saml.js';
import type {
  ScanFindingsTable,
  ScansTable,
  VerificationsTable,
  VulnerabilityExceptionsTable,
} from './tables/scans.js';
import type { WebLoginCodesTable, WebSessionsTable } from './tables/sessions.js';
import type { UsersTable } from './tables/users.js';

export interface DB {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  aws_accounts: AwsAccountsTable;
  images: ImagesTable;
  image_stats: ImageStatsTable;
  search_words: SearchWordsTable;
  search_postings: SearchPostingsTable;
  image_versions: ImageVersionsTable;
  image_regions: ImageRegionsTable;
  resolve_slots: ResolveSlotsTable;
  resolve_slots_source: ResolveSlotsTable;
  listing_cards: ListingCardsTable;
  listing_cards_source: ListingCardsTable;
  ratings: RatingsTable;
  scans: ScansTable;
  verifications: VerificationsTable;
  channels: ChannelsTable;
  audit_log: AuditLogTable;
  web_login_codes: WebLoginCodesTable;
  web_sessions: WebSessionsTable;
  organisation_members: OrganisationMembersTable;
  saml_identities: SamlIdentitiesTable;
  saml_requests: SamlRequestsTable;
  saml_assertions: SamlAssertionsTable;
  device_authorizations: DeviceAuthorizationsTable;
  jobs: JobsTable;
  scan_findings: ScanFindingsTable;
  vulnerability_exceptions: VulnerabilityExceptionsTable;
  job_schedules: JobSchedulesTable;
  launches: LaunchesTable;
  download_identities: DownloadIdentitiesTable;
  invitations: InvitationsTable;
}
