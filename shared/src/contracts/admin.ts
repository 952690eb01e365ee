import * as z from 'zod';
import { exportPage, exportQuery, importResult, mirrorBody, mirrorResult } from '../schemas/import.js';
import {
  adminUser,
  adminUserPage,
  adminUserQuery,
  registryAuditPage,
  registryAuditQuery,
  updateUserBody,
  userParams,
} from '../schemas/orgs.js';
import { defineContract } from './contract.js';

export const importIndex = defineContract({
  name: 'importIndex',
  method: 'post',
  path: '/admin/import',
  summary: 'Import a registry index (seed 004 CommunityAMI shape) as JSON or YAML; idempotent (admin)',
  tag: 'admin',
  auth: 'admin',
  scopes: ['admin'],
  body: z
    .unknown()
    .describe('{template: {listing_name: {version, creator, description, architecture?, regions: {region: ami-id}}}}'),
  bodyTypes: ['application/yaml', 'application/x-yaml', 'text/yaml'],
  response: { status: 200, schema: importResult, description: 'What was created' },
  errors: [400, 401, 403, 413, 415, 429],
});

export const listUsers = defineContract({
  name: 'listUsers',
  method: 'get',
  path: '/admin/users',
  summary: 'People on the registry with their roles, organisations and whether they are disabled (admin)',
  tag: 'admin',
  auth: 'admin',
  scopes: ['admin'],
  query: adminUserQuery,
  response: { status: 200, schema: adminUserPage, description: 'A page of users by handle' },
  errors: [400, 401, 403, 429],
});

export const updateUser = defineContract({
  name: 'updateUser',
  method: 'patch',
  path: '/admin/users/{handle}',
  summary: "Change a user's registry role or disable them; takes effect at once (admin)",
  tag: 'admin',
  auth: 'admin',
  scopes: ['admin'],
  params: userParams,
  body: updateUserBody,
  response: { status: 200, schema: adminUser, description: 'The user as they now are' },
  errors: [400, 401, 403, 404, 409, 429],
});

export const registryAudit = defineContract({
  name: 'registryAudit',
  method: 'get',
  path: '/admin/audit',
  summary: "The registry-wide audit log, newest first (admin; an organisation's admins with org=)",
  tag: 'admin',
  auth: 'required',
  scopes: [],
  query: registryAuditQuery,
  response: { status: 200, schema: registryAuditPage, description: 'A page of audit entries' },
  errors: [400, 401, 403, 404, 429],
});

export const mirrorNow = defineContract({
  name: 'mirrorNow',
  method: 'post',
  path: '/admin/mirror',
  summary: "Mirror another registry's public export now; idempotent (admin)",
  tag: 'admin',
  auth: 'admin',
  scopes: ['admin'],
  body: mirrorBody,
  response: { status: 200, schema: mirrorResult, description: 'What the run created, changed and left alone' },
  errors: [400, 401, 403, 429, 502],
});

export const exportCatalogue = defineContract({
  name: 'exportCatalogue',
  method: 'get',
  path: '/export',
  summary:
    "This registry's own public catalogue in the registry-index shape, with versions, regions, verification and scans (what mirrors read)",
  tag: 'mirroring',
  auth: 'optional',
  scopes: [],
  query: exportQuery,
  response: { status: 200, schema: exportPage, description: 'A page of the index, oldest listings first' },
  errors: [400, 401, 429],
});
