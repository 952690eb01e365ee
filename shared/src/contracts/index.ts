import { exportCatalogue, importIndex, listUsers, mirrorNow, registryAudit, updateUser } from './admin.js';
import { awsAuthInfoContract, createLoginCode, proveAwsAccount } from './auth.js';
import { communityAmis, rateCommunityAmi } from './community.js';
import { pollDeviceLogin, revokeCurrentToken, startDeviceLogin } from './device.js';
import { createException, deleteException, listExceptions } from './exceptions.js';
import { createInvitation, listInvitations, revokeInvitation } from './invitations.js';
import {
  acknowledgeScanAlert,
  deleteChannel,
  deprecate,
  getListing,
  getListingTemplate,
  listingAudit,
  newVersion,
  publish,
  revoke,
  searchListings,
  setChannel,
  submitTestReport,
  verifyVersion,
} from './listings.js';
import { createOrg, getOrg, listOrgs, orgTokens, removeOrgMember, setOrgMember } from './orgs.js';
import { listRatings, rateListing } from './ratings.js';
import { resolve } from './resolve.js';
import { requestScan, versionFindings, versionScans } from './scans.js';
import { amiStatus, reportLaunch, setVisibility } from './trust.js';
import { createToken, createUser, endSession, listSessions, listTokens, me, revokeToken } from './users.js';

export * from './contract.js';

/**
 * Every endpoint of the JSON API under /api/v1, by name. The server registers one route per entry
 * (a test fails otherwise), OpenAPI is generated from them, and the client calls them by these names.
 *
 * A new endpoint: (1) `defineContract({...})` in the file of its tag here, with its schemas from
 * `../schemas/`; (2) add it to this object; (3) one route file in registry-server/src/http/routes/
 * doing `export const { contract, register } = defineRoute(contracts.NAME, (ctx, input) => ...)`,
 * listed in routes/index.ts; (4) a named method on RegistryClient calling `this.call('NAME', ...)`
 * if the CLI needs it; (5) the path in README.md's API table.
 */
export const contracts = {
  communityAmis,
  rateCommunityAmi,
  searchListings,
  publish,
  getListing,
  getListingTemplate,
  newVersion,
  deprecate,
  revoke,
  rateListing,
  listRatings,
  listingAudit,
  setChannel,
  deleteChannel,
  setVisibility,
  resolve,
  amiStatus,
  reportLaunch,
  me,
  createUser,
  listTokens,
  createToken,
  revokeToken,
  listSessions,
  endSession,
  importIndex,
  awsAuthInfo: awsAuthInfoContract,
  proveAwsAccount,
  verifyVersion,
  submitTestReport,
  createLoginCode,
  startDeviceLogin,
  pollDeviceLogin,
  revokeCurrentToken,
  listOrgs,
  createOrg,
  getOrg,
  setOrgMember,
  removeOrgMember,
  orgTokens,
  versionScans,
  versionFindings,
  requestScan,
  acknowledgeScanAlert,
  createException,
  listExceptions,
  deleteException,
  listUsers,
  updateUser,
  registryAudit,
  mirrorNow,
  exportCatalogue,
  createInvitation,
  listInvitations,
  revokeInvitation,
} as const;
export type Contracts = typeof contracts;
export type ContractName = keyof Contracts;
