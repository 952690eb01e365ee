import { versionParams } from '../schemas/listings.js';
import { findingsPage, findingsQuery, scanHistory, scanRequestResult } from '../schemas/scans.js';
import { defineContract } from './contract.js';

export const versionScans = defineContract({
  name: 'versionScans',
  method: 'get',
  path: '/listings/{owner}/{name}/versions/{version}/scans',
  summary: 'Security scans of a version: finished ones (newest first) and those queued or running',
  tag: 'scans',
  auth: 'optional',
  scopes: [],
  params: versionParams,
  response: { status: 200, schema: scanHistory, description: 'The scan history' },
  errors: [400, 404, 429],
});

export const versionFindings = defineContract({
  name: 'versionFindings',
  method: 'get',
  path: '/listings/{owner}/{name}/versions/{version}/findings',
  summary: 'Vulnerability findings of a version’s latest scans, most severe first, paged; accepted ones say so',
  tag: 'scans',
  auth: 'optional',
  scopes: [],
  params: versionParams,
  query: findingsQuery,
  response: { status: 200, schema: findingsPage, description: 'One page of findings' },
  errors: [400, 404, 429],
});

export const requestScan = defineContract({
  name: 'requestScan',
  method: 'post',
  path: '/listings/{owner}/{name}/versions/{version}/scan',
  summary: 'Ask for a rescan of every region image of a version now (owner, maintainer or admin)',
  tag: 'scans',
  auth: 'required',
  scopes: ['publish'],
  params: versionParams,
  response: { status: 202, schema: scanRequestResult, description: 'The scan jobs queued (or already queued)' },
  errors: [401, 403, 404, 409, 429],
});
