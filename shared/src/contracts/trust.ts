import { listingParams } from '../schemas/listings.js';
import {
  amiStatusBody,
  amiStatusResult,
  launchBody,
  launchResult,
  visibilityBody,
  visibilityResult,
} from '../schemas/trust.js';
import { defineContract } from './contract.js';

export const amiStatus = defineContract({
  name: 'amiStatus',
  method: 'post',
  path: '/amis/status',
  summary:
    'What this registry knows about EC2 image ids, whichever way a client found them: listing, version, status (revoked, deprecated), reason, scan, lineage, what to use instead',
  tag: 'trust',
  auth: 'optional',
  scopes: [],
  body: amiStatusBody,
  response: { status: 200, schema: amiStatusResult, description: 'One item per asked id, in the order asked' },
  errors: [400, 413, 415, 429],
  // A lookup, not a change: counted with reads.
  limit: 'read',
});

export const reportLaunch = defineContract({
  name: 'reportLaunch',
  method: 'post',
  path: '/launches',
  summary:
    'Report a launch of a listed image (cws launch does); counted once per identity, version and day. From a proven AWS account it marks your rating "launched it"',
  tag: 'trust',
  auth: 'optional',
  scopes: [],
  body: launchBody,
  response: { status: 200, schema: launchResult, description: 'Whether it was counted, and the new count' },
  errors: [400, 404, 413, 415, 429],
});

export const setVisibility = defineContract({
  name: 'setVisibility',
  method: 'put',
  path: '/listings/{owner}/{name}/visibility',
  summary:
    "Make a listing public (found by search), unlisted (by link and resolve only), org (its organisation's members only; listings owned by an organisation) or private (owner, creator and the organisation's admins). Allowed for the owner, an organisation's admins, the publisher who created it, and registry admins",
  tag: 'listings',
  auth: 'required',
  scopes: ['publish'],
  params: listingParams,
  body: visibilityBody,
  response: { status: 200, schema: visibilityResult, description: 'The listing and its visibility now' },
  errors: [400, 401, 403, 404, 415, 429],
});
