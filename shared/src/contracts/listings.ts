import { versionVerification } from '../schemas/aws.js';
import { testReportBody, versionTestReport } from '../schemas/image-checks.js';
import {
  auditPage,
  channelBody,
  channelParams,
  channelResult,
  listingDetail,
  listingParams,
  listingTemplate,
  newVersionBody,
  publishBody,
  reviewsQuery,
  revokeBody,
  searchQuery,
  searchResult,
  templateQuery,
  versionDetail,
  versionParams,
  versionStatusBody,
} from '../schemas/listings.js';
import { defineContract } from './contract.js';

export const searchListings = defineContract({
  name: 'searchListings',
  method: 'get',
  path: '/listings',
  summary: 'Search listings: full text with typo tolerance, filters, sort, cursor pagination',
  tag: 'listings',
  auth: 'optional',
  scopes: [],
  query: searchQuery,
  response: { status: 200, schema: searchResult, description: 'A page of listings and the cursor of the next one' },
  errors: [400, 429],
});

export const publish = defineContract({
  name: 'publish',
  method: 'post',
  path: '/listings',
  summary: 'Publish a listing (owned by the token’s user) with its first version',
  tag: 'listings',
  auth: 'required',
  scopes: ['publish'],
  body: publishBody,
  response: { status: 201, schema: listingDetail, description: 'The new listing' },
  errors: [400, 401, 403, 409, 413, 415, 429],
});

export const getListingTemplate = defineContract({
  name: 'getListingTemplate',
  method: 'get',
  path: '/listings/{owner}/{name}/template',
  summary: 'The template YAML a listing version was built from (cws template fetch OWNER/NAME)',
  tag: 'listings',
  auth: 'optional',
  scopes: [],
  params: listingParams,
  query: templateQuery,
  response: { status: 200, schema: listingTemplate, description: 'The template, and the version it came with' },
  errors: [400, 404, 429],
});

export const getListing = defineContract({
  name: 'getListing',
  method: 'get',
  path: '/listings/{owner}/{name}',
  summary: 'A listing: versions, regions, rating summary and reviews, verification, scan, channels',
  tag: 'listings',
  auth: 'optional',
  scopes: [],
  params: listingParams,
  response: { status: 200, schema: listingDetail, description: 'The listing' },
  errors: [400, 404, 429],
});

export const newVersion = defineContract({
  name: 'newVersion',
  method: 'post',
  path: '/listings/{owner}/{name}/versions',
  summary: 'Add a version (owner, maintainer or admin)',
  tag: 'listings',
  auth: 'required',
  scopes: ['publish'],
  params: listingParams,
  body: newVersionBody,
  response: { status: 201, schema: versionDetail, description: 'The new version' },
  errors: [400, 401, 403, 404, 409, 413, 415, 429],
});

export const deprecate = defineContract({
  name: 'deprecate',
  method: 'post',
  path: '/listings/{owner}/{name}/versions/{version}/deprecate',
  summary: 'Deprecate a version: it resolves only when nothing active matches (owner, maintainer or admin)',
  tag: 'listings',
  auth: 'required',
  scopes: ['publish'],
  params: versionParams,
  body: versionStatusBody,
  response: { status: 200, schema: versionDetail, description: 'The version, now deprecated' },
  errors: [400, 401, 403, 404, 409, 429],
});

export const revoke = defineContract({
  name: 'revoke',
  method: 'post',
  path: '/listings/{owner}/{name}/versions/{version}/revoke',
  summary: 'Revoke a version for a reason: it never resolves again (owner, maintainer or admin); final',
  tag: 'listings',
  auth: 'required',
  scopes: ['publish'],
  params: versionParams,
  body: revokeBody,
  response: { status: 200, schema: versionDetail, description: 'The version, now revoked' },
  errors: [400, 401, 403, 404, 409, 429],
});

export const listingAudit = defineContract({
  name: 'listingAudit',
  method: 'get',
  path: '/listings/{owner}/{name}/audit',
  summary: 'Who did what to a listing, newest first (owner, maintainer or admin)',
  tag: 'listings',
  auth: 'required',
  scopes: [],
  params: listingParams,
  query: reviewsQuery,
  response: { status: 200, schema: auditPage, description: 'A page of audit entries' },
  errors: [400, 401, 403, 404, 429],
});

export const setChannel = defineContract({
  name: 'setChannel',
  method: 'put',
  path: '/listings/{owner}/{name}/channels/{channel}',
  summary: 'Point a channel (stable, beta ...) at a version; resolve?channel= follows it',
  tag: 'listings',
  auth: 'required',
  scopes: ['publish'],
  params: channelParams,
  body: channelBody,
  response: { status: 200, schema: channelResult, description: 'The channel' },
  errors: [400, 401, 403, 404, 409, 429],
});

export const deleteChannel = defineContract({
  name: 'deleteChannel',
  method: 'delete',
  path: '/listings/{owner}/{name}/channels/{channel}',
  summary: 'Remove a channel',
  tag: 'listings',
  auth: 'required',
  scopes: ['publish'],
  params: channelParams,
  response: { status: 204, description: 'Removed' },
  errors: [400, 401, 403, 404, 429],
});

export const acknowledgeScanAlert = defineContract({
  name: 'acknowledgeScanAlert',
  method: 'delete',
  path: '/listings/{owner}/{name}/scan-alert',
  summary:
    'Acknowledge the "new critical finding" mark of a listing (owner, publishers, maintainers); audit-logged. A new version clears it too',
  tag: 'scans',
  auth: 'required',
  scopes: ['publish'],
  params: listingParams,
  response: { status: 204, description: 'Cleared (or there was none)' },
  errors: [400, 401, 403, 404, 429],
});

export const verifyVersion = defineContract({
  name: 'verifyVersion',
  method: 'post',
  path: '/listings/{owner}/{name}/versions/{version}/verify',
  summary: 'Check a version in EC2 now, region by region (owner, maintainer or admin)',
  tag: 'listings',
  auth: 'required',
  scopes: ['publish'],
  params: versionParams,
  response: { status: 200, schema: versionVerification, description: 'The outcome per region' },
  errors: [401, 403, 404, 409, 429],
});

export const submitTestReport = defineContract({
  name: 'submitTestReport',
  method: 'post',
  path: '/listings/{owner}/{name}/versions/{version}/tests',
  summary:
    "Report the template's validation tests run on one of a version's images (owner or maintainer); shown as publisher-reported",
  tag: 'listings',
  auth: 'required',
  scopes: ['publish'],
  params: versionParams,
  body: testReportBody,
  response: { status: 201, schema: versionTestReport, description: 'The report as recorded on the version' },
  errors: [400, 401, 403, 404, 409, 429],
});
