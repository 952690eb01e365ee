import { exceptionBody, exceptionInfo, exceptionList, exceptionParams, exceptionsQuery } from '../schemas/scans.js';
import { defineContract } from './contract.js';

export const createException = defineContract({
  name: 'createException',
  method: 'post',
  path: '/exceptions',
  summary:
    'Accept a vulnerability for a listing (its owner, an org publisher, a registry maintainer or admin) or the whole registry (maintainer or admin), with a reason and an expiry; audit-logged',
  tag: 'scans',
  auth: 'required',
  scopes: ['publish'],
  body: exceptionBody,
  response: { status: 201, schema: exceptionInfo, description: 'The exception' },
  errors: [400, 401, 403, 404, 409, 413, 415, 429],
});

export const listExceptions = defineContract({
  name: 'listExceptions',
  method: 'get',
  path: '/exceptions',
  summary: 'Vulnerability exceptions: registry-wide ones and those of listings the caller may see',
  tag: 'scans',
  auth: 'optional',
  scopes: [],
  query: exceptionsQuery,
  response: { status: 200, schema: exceptionList, description: 'The exceptions, newest first' },
  errors: [400, 404, 429],
});

export const deleteException = defineContract({
  name: 'deleteException',
  method: 'delete',
  path: '/exceptions/{id}',
  summary: 'End a vulnerability exception now (whoever may create it); audit-logged',
  tag: 'scans',
  auth: 'required',
  scopes: ['publish'],
  params: exceptionParams,
  response: { status: 204, description: 'Ended' },
  errors: [400, 401, 403, 404, 429],
});
