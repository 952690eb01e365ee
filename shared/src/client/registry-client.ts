import * as z from 'zod';
import {
  type AnyContract,
  type BodyInputOf,
  type ContractName,
  type Contracts,
  contracts,
  type ParamsInputOf,
  pathOf,
  type ResponseOf,
} from '../contracts/index.js';
import {
  type CreatedToken,
  type CreatedUser,
  type LoginCode,
  type TokenInfo,
  tokenInfoList,
  type UserInfo,
} from '../schemas/auth.js';
import type { AwsAuthInfo, AwsProofBody, AwsProofResult, VersionVerification } from '../schemas/aws.js';
import type { CommunityAmi } from '../schemas/community.js';
import type { DeviceCode, DeviceCodeBody, DeviceToken } from '../schemas/device.js';
import type { TestReportBody, VersionTestReport } from '../schemas/image-checks.js';
import type { ImportResult, MirrorResult } from '../schemas/import.js';
import type {
  AuditPage,
  ChannelResult,
  ListingDetail,
  ListingTemplate,
  RatingResult,
  ReviewPage,
  SearchResult,
  VersionDetail,
} from '../schemas/listings.js';
import type {
  AdminUser,
  AdminUserPage,
  OrgDetail,
  OrgInfo,
  OrgMember,
  OrgRole,
  OrgToken,
  RegistryAuditPage,
  UpdateUserBody,
} from '../schemas/orgs.js';
import type { ResolveResult } from '../schemas/resolve.js';
import type {
  ExceptionBody,
  ExceptionInfo,
  ExceptionList,
  ExceptionsQuery,
  FindingsPage,
  FindingsQuery,
  ScanHistory,
  ScanRequestResult,
} from '../schemas/scans.js';
import type { AmiStatusResult, LaunchBody, LaunchResult } from '../schemas/trust.js';
import type { Architecture, Role, Scope, Severity, Visibility } from '../validators.js';
import { HttpClient, type HttpClientOptions, type HttpMethod, type QueryValue } from './http.js';

export type RegistryClientOptions = HttpClientOptions;

export interface ResolveParams {
  region: string;
  architecture?: Architecture | undefined;
  min_rating?: number | undefined;
  verified_only?: boolean | undefined;
  max_severity?: Severity | undefined;
  severity_mode?: 'warn' | 'block' | undefined;
  allow_unscanned?: boolean | undefined;
  /** true: the answer lists the better-ranked images the policy passed over. */
  explain?: boolean | undefined;
  channel?: string | undefined;
  /** false: a look, not a download (dry runs, --explain). */
  count?: boolean | undefined;
  revoked_lineage?: 'warn' | 'block' | undefined;
  /** OWNER/NAME: only that listing's images; a 404 (no_match) when it has none that fits, never another's. */
  listing?: string | undefined;
}

export interface CommunityParams {
  template?: string | undefined;
  category?: string | undefined;
  region?: string | undefined;
}

export interface SearchParams {
  q?: string | undefined;
  template?: string | undefined;
  category?: string | undefined;
  region?: string | undefined;
  architecture?: Architecture | undefined;
  owner?: string | undefined;
  verified?: boolean | undefined;
  min_rating?: number | undefined;
  sort?: 'relevance' | 'rating' | 'downloads' | 'recent' | 'name' | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface RatingInput {
  rating: number;
  review?: string | undefined;
}

/** Inputs are typed loosely here; the registry validates them and answers 400 `validation_failed` with details. */
export interface PublishInput {
  name: string;
  template: string;
  category?: string;
  description?: string;
  tags?: string[];
  visibility?: 'public' | 'unlisted' | 'org' | 'private';
  /** Publish as this organisation (its publisher or admin role needed). */
  org?: string;
  version: NewVersionInput;
}
export interface NewVersionInput {
  version: string;
  changelog?: string;
  source_template?: string;
  parent_ami?: string;
  /** OWNER/NAME[@VERSION] the parent image came from, as the saver knew it. */
  parent_listing?: string;
  regions: { region: string; architecture?: Architecture; ami_id: string; owner_account?: string }[];
}

// Token listings may come bare or wrapped in a page; accept both.
const tokenList = z.union([tokenInfoList, z.object({ items: tokenInfoList }).transform((page) => page.items)]);
const anyAnswer = z.unknown();

/** What a call sends: path parameters, query and body as the endpoint's contract names them. */
export interface CallInput<C extends AnyContract> {
  params?: ParamsInputOf<C>;
  query?: Record<string, QueryValue> | undefined;
  body?: BodyInputOf<C>;
  signal?: AbortSignal | undefined;
}

/**
 * The typed client for a cws registry's JSON API (`/api/v1`). Every endpoint is called by the name of its
 * contract in `contracts`; every answer is checked against the contract's response schema; every failure is
 * a `RegistryError`. The named methods below are conveniences over `call`.
 */
export class RegistryClient {
  private readonly http: HttpClient;

  constructor(opts: RegistryClientOptions) {
    this.http = new HttpClient(opts);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** Calls one endpoint by its contract's name. `schema` replaces the contract's (to accept older shapes). */
  call<N extends ContractName>(
    name: N,
    input: CallInput<Contracts[N]> = {},
    schema?: z.ZodType<ResponseOf<Contracts[N]>>,
  ): Promise<ResponseOf<Contracts[N]>> {
    const contract: AnyContract = contracts[name];
    return this.http.request({
      method: contract.method.toUpperCase() as HttpMethod,
      path: `/api/v1${pathOf(contract, input.params as Record<string, unknown> | undefined)}`,
      query: input.query,
      body: input.body,
      schema: (schema ?? contract.response.schema ?? anyAnswer) as z.ZodType<ResponseOf<Contracts[N]>>,
      signal: input.signal,
    });
  }

  // --- identity and tokens ---------------------------------------------------------------------------------------

  me(signal?: AbortSignal): Promise<UserInfo> {
    return this.call('me', { signal });
  }

  createUser(body: { handle: string; display_name?: string; role?: Role; token_name?: string }): Promise<CreatedUser> {
    return this.call('createUser', { body });
  }

  listTokens(): Promise<TokenInfo[]> {
    return this.call('listTokens', {}, tokenList);
  }

  createToken(body: { name: string; scopes?: Scope[]; expires_in_days?: number }): Promise<CreatedToken> {
    return this.call('createToken', { body });
  }

  async revokeToken(id: string): Promise<void> {
    // Only that it worked matters; a registry may answer with the token or with nothing.
    await this.call('revokeToken', { params: { id } }, anyAnswer as z.ZodType<TokenInfo>);
  }

  // --- AWS account proof and web sign-in ----------------------------------------------------------------------

  /** What to sign for a proof (the registry id, STS endpoints) and whether the registry verifies images. */
  awsAuthInfo(): Promise<AwsAuthInfo> {
    return this.call('awsAuthInfo');
  }

  /** Sends a signed GetCallerIdentity: links the account to the token's user, or (no token) logs in. */
  proveAwsAccount(body: AwsProofBody): Promise<AwsProofResult> {
    return this.call('proveAwsAccount', { body });
  }

  /** Starts a device sign-in (cws login --sso): a user code for the browser, a device code to poll with. */
  startDeviceLogin(body: DeviceCodeBody = {}): Promise<DeviceCode> {
    return this.call('startDeviceLogin', { body });
  }

  /** One poll; a pending sign-in is a RegistryError with code authorization_pending or slow_down. */
  pollDeviceLogin(device_code: string): Promise<DeviceToken> {
    return this.call('pollDeviceLogin', { body: { device_code } });
  }

  /** Revokes the token this client sends (cws logout). */
  revokeCurrentToken(): Promise<TokenInfo> {
    return this.call('revokeCurrentToken');
  }

  /** A one-time link that signs the token's user in to the registry's web pages. */
  createLoginCode(): Promise<LoginCode> {
    return this.call('createLoginCode');
  }

  // --- the seed's community endpoints ----------------------------------------------------------------------------

  communityAmis(params: CommunityParams = {}, signal?: AbortSignal): Promise<CommunityAmi[]> {
    return this.call('communityAmis', { query: { ...params }, signal });
  }

  rateCommunityAmi(amiId: string, body: RatingInput): Promise<RatingResult> {
    return this.call('rateCommunityAmi', { params: { ami_id: amiId }, body });
  }

  // --- listings ------------------------------------------------------------------------------------------------

  searchListings(params: SearchParams = {}, signal?: AbortSignal): Promise<SearchResult> {
    return this.call('searchListings', { query: params as Record<string, QueryValue>, signal });
  }

  getListing(owner: string, name: string, signal?: AbortSignal): Promise<ListingDetail> {
    return this.call('getListing', { params: { owner, name }, signal });
  }

  /** The template YAML a listing's version carries [default: the newest not revoked that has one]. */
  getListingTemplate(owner: string, name: string, version?: string, signal?: AbortSignal): Promise<ListingTemplate> {
    return this.call('getListingTemplate', {
      params: { owner, name },
      query: version === undefined ? {} : { version },
      signal,
    });
  }

  publish(body: PublishInput): Promise<ListingDetail> {
    return this.call('publish', { body });
  }

  newVersion(owner: string, name: string, body: NewVersionInput): Promise<VersionDetail> {
    return this.call('newVersion', { params: { owner, name }, body });
  }

  setVersionStatus(
    owner: string,
    name: string,
    version: string,
    action: 'deprecate' | 'revoke',
    reason?: string,
  ): Promise<VersionDetail> {
    return action === 'deprecate'
      ? this.call('deprecate', { params: { owner, name, version }, body: reason === undefined ? {} : { reason } })
      : this.call('revoke', {
          params: { owner, name, version },
          // A missing reason is the registry's to refuse (400), with its own message.
          body: (reason === undefined ? {} : { reason }) as { reason: string },
        });
  }

  deprecate(owner: string, name: string, version: string, reason?: string): Promise<VersionDetail> {
    return this.setVersionStatus(owner, name, version, 'deprecate', reason);
  }

  revoke(owner: string, name: string, version: string, reason: string): Promise<VersionDetail> {
    return this.setVersionStatus(owner, name, version, 'revoke', reason);
  }

  /** Checks a version in EC2 now, region by region (owner, maintainer or admin). */
  verifyVersion(owner: string, name: string, version: string): Promise<VersionVerification> {
    return this.call('verifyVersion', { params: { owner, name, version } });
  }

  /** Security scans of a version: finished ones and those queued or running. */
  versionScans(owner: string, name: string, version: string): Promise<ScanHistory> {
    return this.call('versionScans', { params: { owner, name, version } });
  }

  /** One page of a version's findings, most severe first. */
  versionFindings(
    owner: string,
    name: string,
    version: string,
    query: Partial<FindingsQuery> = {},
  ): Promise<FindingsPage> {
    return this.call('versionFindings', { params: { owner, name, version }, query: query as FindingsQuery });
  }

  /** Asks for a rescan of a version now (owner or maintainer). */
  requestScan(owner: string, name: string, version: string): Promise<ScanRequestResult> {
    return this.call('requestScan', { params: { owner, name, version } });
  }

  /** Acknowledges a listing's "new critical finding" mark (owner, publishers, maintainers). */
  async acknowledgeScanAlert(owner: string, name: string): Promise<void> {
    await this.call('acknowledgeScanAlert', { params: { owner, name } });
  }

  /** Accepts a vulnerability for a listing (listing: OWNER/NAME) or the whole registry (listing: null). */
  createException(body: ExceptionBody): Promise<ExceptionInfo> {
    return this.call('createException', { body: body as never });
  }

  listExceptions(query: Partial<ExceptionsQuery> = {}): Promise<ExceptionList> {
    return this.call('listExceptions', { query: query as ExceptionsQuery });
  }

  async deleteException(id: number): Promise<void> {
    await this.call('deleteException', { params: { id } });
  }

  /** Submits a validation-test report for a version (its owner or a maintainer); shown as publisher-reported. */
  submitTestReport(owner: string, name: string, version: string, body: TestReportBody): Promise<VersionTestReport> {
    return this.call('submitTestReport', { params: { owner, name, version }, body });
  }

  rateListing(owner: string, name: string, body: RatingInput): Promise<RatingResult> {
    return this.call('rateListing', { params: { owner, name }, body });
  }

  listRatings(owner: string, name: string, params: { limit?: number; cursor?: string } = {}): Promise<ReviewPage> {
    return this.call('listRatings', { params: { owner, name }, query: params });
  }

  /** Points a channel (stable, beta ...) of a listing at a version (owner or maintainer). */
  setChannel(owner: string, name: string, channel: string, version: string): Promise<ChannelResult> {
    return this.call('setChannel', { params: { owner, name, channel }, body: { version } });
  }

  /** Removes a channel of a listing (owner or maintainer). */
  async deleteChannel(owner: string, name: string, channel: string): Promise<void> {
    await this.call('deleteChannel', { params: { owner, name, channel } });
  }

  /** A page of a listing's audit log, newest first (owner, maintainer or admin). */
  listingAudit(owner: string, name: string, params: { limit?: number; cursor?: string } = {}): Promise<AuditPage> {
    return this.call('listingAudit', { params: { owner, name }, query: params });
  }

  // --- resolution ----------------------------------------------------------------------------------------------

  /** The best image for a template; throws a RegistryError with code `no_match` (see `isNoMatch`) when none fits. */
  resolve(template: string, params: ResolveParams, signal?: AbortSignal): Promise<ResolveResult> {
    return this.call('resolve', { params: { template }, query: { ...params }, signal });
  }

  /** What the registry knows about these image ids (at most 100), whichever tier found them. */
  amiStatus(amiIds: string[], signal?: AbortSignal): Promise<AmiStatusResult> {
    return this.call('amiStatus', { body: { ami_ids: amiIds }, signal });
  }

  /** Reports a launch of a listed image: counted once per identity, version and day. */
  reportLaunch(body: LaunchBody, signal?: AbortSignal): Promise<LaunchResult> {
    return this.call('reportLaunch', { body, signal });
  }

  setVisibility(
    owner: string,
    name: string,
    visibility: Visibility,
  ): Promise<{ listing: string; visibility: Visibility }> {
    return this.call('setVisibility', { params: { owner, name }, body: { visibility } });
  }

  // --- administration ------------------------------------------------------------------------------------------

  importIndex(index: unknown): Promise<ImportResult> {
    return this.call('importIndex', { body: index });
  }

  listUsers(params: { q?: string; limit?: number; cursor?: string } = {}): Promise<AdminUserPage> {
    return this.call('listUsers', { query: { ...params } });
  }

  updateUser(handle: string, body: UpdateUserBody): Promise<AdminUser> {
    return this.call('updateUser', { params: { handle }, body });
  }

  auditLog(
    params: { action?: string; actor?: string; org?: string; limit?: number; cursor?: string } = {},
  ): Promise<RegistryAuditPage> {
    return this.call('registryAudit', { query: { ...params } });
  }

  mirror(body: { url: string; token?: string }): Promise<MirrorResult> {
    return this.call('mirrorNow', { body });
  }

  // --- organisations ---------------------------------------------------------------------------------------------

  listOrgs(): Promise<OrgInfo[]> {
    return this.call('listOrgs');
  }

  getOrg(name: string): Promise<OrgDetail> {
    return this.call('getOrg', { params: { org: name } });
  }

  createOrg(body: { name: string; display_name?: string; admins?: string[] }): Promise<OrgDetail> {
    return this.call('createOrg', { body });
  }

  setMember(org: string, handle: string, role: OrgRole): Promise<OrgMember> {
    return this.call('setOrgMember', { params: { org, handle }, body: { role } });
  }

  async removeMember(org: string, handle: string): Promise<void> {
    await this.call('removeOrgMember', { params: { org, handle } });
  }

  orgTokens(org: string): Promise<OrgToken[]> {
    return this.call('orgTokens', { params: { org } });
  }
}
