import { z } from 'zod';
import {
  type CreatedToken,
  type CreatedUser,
  createdToken,
  createdUser,
  type TokenInfo,
  tokenInfo,
  type UserInfo,
  userInfo,
} from '../schemas/auth.js';
import {
  type AwsAuthInfo,
  type AwsProofBody,
  type AwsProofResult,
  awsAuthInfo,
  awsProofResult,
  type VersionVerification,
  versionVerification,
} from '../schemas/aws.js';
import { type CommunityAmi, communityAmiList } from '../schemas/community.js';
import { type DeviceCode, type DeviceCodeBody, type DeviceToken, deviceCode, deviceToken } from '../schemas/device.js';
import { type TestReportBody, type VersionTestReport, versionTestReport } from '../schemas/image-checks.js';
import { type ImportResult, importResult } from '../schemas/import.js';
import {
  type ListingDetail,
  listingDetail,
  type RatingResult,
  type ReviewPage,
  ratingResult,
  reviewPage,
  type SearchResult,
  searchResult,
  type VersionDetail,
  versionDetail,
} from '../schemas/listings.js';
import { type ResolveResult, resolveResult } from '../schemas/resolve.js';
import type { Architecture, Role, Scope, Severity } from '../validators.js';
import { HttpClient, type HttpClientOptions, type QueryValue } from './http.js';

export type RegistryClientOptions = HttpClientOptions;

export interface ResolveParams {
  region: string;
  architecture?: Architecture | undefined;
  min_rating?: number | undefined;
  verified_only?: boolean | undefined;
  max_severity?: Severity | undefined;
  channel?: string | undefined;
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
  visibility?: 'public' | 'unlisted' | 'private';
  version: NewVersionInput;
}
export interface NewVersionInput {
  version: string;
  changelog?: string;
  source_template?: string;
  parent_ami?: string;
  regions: { region: string; architecture?: Architecture; ami_id: string; owner_account?: string }[];
}

// Token listings may come bare or wrapped in a page; accept both.
const tokenList = z.union([
  z.array(tokenInfo),
  z.object({ items: z.array(tokenInfo) }).transform((page) => page.items),
]);
const anyAnswer = z.unknown();

/** POST /web/login-codes: a one-time sign-in link for the web pages. */
export const loginCode = z.object({ url: z.string(), expires_at: z.string() });
export type LoginCode = z.infer<typeof loginCode>;

const seg = (s: string) => encodeURIComponent(s);

/**
 * The typed client for a cws registry's JSON API (`/api/v1`). Every answer is checked against the shared zod
 * schemas; every failure is a `RegistryError`.
 */
export class RegistryClient {
  private readonly http: HttpClient;

  constructor(opts: RegistryClientOptions) {
    this.http = new HttpClient(opts);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  // --- identity and tokens ---------------------------------------------------------------------------------------

  me(signal?: AbortSignal): Promise<UserInfo> {
    return this.http.request({ method: 'GET', path: '/api/v1/me', schema: userInfo, signal });
  }

  createUser(body: { handle: string; display_name?: string; role?: Role; token_name?: string }): Promise<CreatedUser> {
    return this.http.request({ method: 'POST', path: '/api/v1/users', body, schema: createdUser });
  }

  listTokens(): Promise<TokenInfo[]> {
    return this.http.request({ method: 'GET', path: '/api/v1/tokens', schema: tokenList });
  }

  createToken(body: { name: string; scopes?: Scope[]; expires_in_days?: number }): Promise<CreatedToken> {
    return this.http.request({ method: 'POST', path: '/api/v1/tokens', body, schema: createdToken });
  }

  async revokeToken(id: string): Promise<void> {
    await this.http.request({ method: 'DELETE', path: `/api/v1/tokens/${seg(id)}`, schema: anyAnswer });
  }

  // --- AWS account proof and web sign-in ----------------------------------------------------------------------

  /** What to sign for a proof (the registry id, STS endpoints) and whether the registry verifies images. */
  awsAuthInfo(): Promise<AwsAuthInfo> {
    return this.http.request({ method: 'GET', path: '/api/v1/auth/aws', schema: awsAuthInfo });
  }

  /** Sends a signed GetCallerIdentity: links the account to the token's user, or (no token) logs in. */
  proveAwsAccount(body: AwsProofBody): Promise<AwsProofResult> {
    return this.http.request({ method: 'POST', path: '/api/v1/auth/aws', body, schema: awsProofResult });
  }

  /** Starts a device sign-in (cws login --sso): a user code for the browser, a device code to poll with. */
  startDeviceLogin(body: DeviceCodeBody = {}): Promise<DeviceCode> {
    return this.http.request({ method: 'POST', path: '/api/v1/device/code', body, schema: deviceCode });
  }

  /** One poll; a pending sign-in is a RegistryError with code authorization_pending or slow_down. */
  pollDeviceLogin(device_code: string): Promise<DeviceToken> {
    return this.http.request({
      method: 'POST',
      path: '/api/v1/device/token',
      body: { device_code },
      schema: deviceToken,
    });
  }

  /** Revokes the token this client sends (cws logout). */
  revokeCurrentToken(): Promise<TokenInfo> {
    return this.http.request({ method: 'DELETE', path: '/api/v1/me/token', schema: tokenInfo });
  }

  /** A one-time link that signs the token's user in to the registry's web pages. */
  createLoginCode(): Promise<LoginCode> {
    return this.http.request({ method: 'POST', path: '/api/v1/web/login-codes', schema: loginCode });
  }

  // --- the seed's community endpoints ----------------------------------------------------------------------------

  communityAmis(params: CommunityParams = {}, signal?: AbortSignal): Promise<CommunityAmi[]> {
    return this.http.request({
      method: 'GET',
      path: '/api/v1/community/amis',
      query: { ...params },
      schema: communityAmiList,
      signal,
    });
  }

  rateCommunityAmi(amiId: string, body: RatingInput): Promise<RatingResult> {
    return this.http.request({
      method: 'POST',
      path: `/api/v1/community/amis/${seg(amiId)}/rate`,
      body,
      schema: ratingResult,
    });
  }

  // --- listings ------------------------------------------------------------------------------------------------

  searchListings(params: SearchParams = {}, signal?: AbortSignal): Promise<SearchResult> {
    return this.http.request({
      method: 'GET',
      path: '/api/v1/listings',
      query: params as Record<string, QueryValue>,
      schema: searchResult,
      signal,
    });
  }

  getListing(owner: string, name: string, signal?: AbortSignal): Promise<ListingDetail> {
    return this.http.request({
      method: 'GET',
      path: `/api/v1/listings/${seg(owner)}/${seg(name)}`,
      schema: listingDetail,
      signal,
    });
  }

  publish(body: PublishInput): Promise<ListingDetail> {
    return this.http.request({ method: 'POST', path: '/api/v1/listings', body, schema: listingDetail });
  }

  newVersion(owner: string, name: string, body: NewVersionInput): Promise<VersionDetail> {
    return this.http.request({
      method: 'POST',
      path: `/api/v1/listings/${seg(owner)}/${seg(name)}/versions`,
      body,
      schema: versionDetail,
    });
  }

  setVersionStatus(
    owner: string,
    name: string,
    version: string,
    action: 'deprecate' | 'revoke',
    reason?: string,
  ): Promise<VersionDetail> {
    return this.http.request({
      method: 'POST',
      path: `/api/v1/listings/${seg(owner)}/${seg(name)}/versions/${seg(version)}/${action}`,
      body: reason === undefined ? {} : { reason },
      schema: versionDetail,
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
    return this.http.request({
      method: 'POST',
      path: `/api/v1/listings/${seg(owner)}/${seg(name)}/versions/${seg(version)}/verify`,
      schema: versionVerification,
    });
  }

  /** Submits a validation-test report for a version (its owner or a maintainer); shown as publisher-reported. */
  submitTestReport(owner: string, name: string, version: string, body: TestReportBody): Promise<VersionTestReport> {
    return this.http.request({
      method: 'POST',
      path: `/api/v1/listings/${seg(owner)}/${seg(name)}/versions/${seg(version)}/tests`,
      body,
      schema: versionTestReport,
    });
  }

  rateListing(owner: string, name: string, body: RatingInput): Promise<RatingResult> {
    return this.http.request({
      method: 'PUT',
      path: `/api/v1/listings/${seg(owner)}/${seg(name)}/rating`,
      body,
      schema: ratingResult,
    });
  }

  listRatings(owner: string, name: string, params: { limit?: number; cursor?: string } = {}): Promise<ReviewPage> {
    return this.http.request({
      method: 'GET',
      path: `/api/v1/listings/${seg(owner)}/${seg(name)}/ratings`,
      query: params,
      schema: reviewPage,
    });
  }

  // --- resolution ----------------------------------------------------------------------------------------------

  /** The best image for a template; throws a RegistryError with code `no_match` (see `isNoMatch`) when none fits. */
  resolve(template: string, params: ResolveParams, signal?: AbortSignal): Promise<ResolveResult> {
    return this.http.request({
      method: 'GET',
      path: `/api/v1/resolve/${seg(template)}`,
      query: { ...params },
      schema: resolveResult,
      signal,
    });
  }

  // --- administration ------------------------------------------------------------------------------------------

  importIndex(index: unknown): Promise<ImportResult> {
    return this.http.request({ method: 'POST', path: '/api/v1/admin/import', body: index, schema: importResult });
  }
}
