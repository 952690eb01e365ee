import type { DefinedRoute } from '../route.js';
import * as adminAudit from './admin/audit.js';
import * as importIndex from './admin/import.js';
import * as mirrorNow from './admin/mirror.js';
import * as updateUser from './admin/update-user.js';
import * as adminUsers from './admin/users.js';
import * as amiStatus from './amis/status.js';
import * as awsProof from './auth/aws.js';
import * as awsInfo from './auth/aws-info.js';
import * as channelDelete from './channels/delete.js';
import * as channelSet from './channels/set.js';
import * as communityList from './community/list.js';
import * as communityRate from './community/rate.js';
import * as deviceCode from './device/code.js';
import * as deviceToken from './device/token.js';
import * as createException from './exceptions/create.js';
import * as deleteException from './exceptions/delete.js';
import * as listExceptions from './exceptions/list.js';
import * as exportCatalogue from './export/get.js';
import * as createInvitation from './invitations/create.js';
import * as listInvitations from './invitations/list.js';
import * as revokeInvitation from './invitations/revoke.js';
import * as reportLaunch from './launches/report.js';
import * as addVersion from './listings/add-version.js';
import * as auditTrail from './listings/audit.js';
import * as deprecate from './listings/deprecate.js';
import * as getListing from './listings/get.js';
import * as publish from './listings/publish.js';
import * as rate from './listings/rate.js';
import * as reportTests from './listings/report-tests.js';
import * as reviews from './listings/reviews.js';
import * as revoke from './listings/revoke.js';
import * as search from './listings/search.js';
import * as listingTemplate from './listings/template.js';
import * as setVisibility from './listings/visibility.js';
import * as createOrg from './orgs/create.js';
import * as getOrg from './orgs/get.js';
import * as listOrgs from './orgs/list.js';
import * as removeMember from './orgs/remove-member.js';
import * as setMember from './orgs/set-member.js';
import * as orgTokens from './orgs/tokens.js';
import * as resolve from './resolve/get.js';
import * as scanAcknowledge from './scans/acknowledge.js';
import * as scanFindings from './scans/findings.js';
import * as scanHistory from './scans/history.js';
import * as scanRequest from './scans/request.js';
import * as createToken from './tokens/create.js';
import * as listTokens from './tokens/list.js';
import * as revokeToken from './tokens/revoke.js';
import * as revokeCurrentToken from './tokens/revoke-current.js';
import * as createUser from './users/create.js';
import * as endSession from './users/end-session.js';
import * as me from './users/me.js';
import * as listSessions from './users/sessions.js';
import * as verifyVersion from './verify/version.js';
import * as webLoginCodes from './web/login-codes.js';

/** Every API route under /api/v1, in registration order. OpenAPI is generated from this list. */
export const routes: DefinedRoute[] = [
  communityList,
  communityRate,
  search,
  publish,
  getListing,
  listingTemplate,
  addVersion,
  deprecate,
  revoke,
  rate,
  reviews,
  auditTrail,
  channelSet,
  channelDelete,
  setVisibility,
  resolve,
  amiStatus,
  reportLaunch,
  me,
  listSessions,
  endSession,
  createUser,
  createInvitation,
  listInvitations,
  revokeInvitation,
  listTokens,
  createToken,
  revokeToken,
  importIndex,
  awsInfo,
  awsProof,
  verifyVersion,
  reportTests,
  scanHistory,
  scanFindings,
  scanRequest,
  scanAcknowledge,
  createException,
  listExceptions,
  deleteException,
  webLoginCodes,
  deviceCode,
  deviceToken,
  revokeCurrentToken,
  listOrgs,
  createOrg,
  getOrg,
  setMember,
  removeMember,
  orgTokens,
  adminUsers,
  updateUser,
  adminAudit,
  exportCatalogue,
  mirrorNow,
];
