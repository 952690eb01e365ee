import { z } from 'zod';
import { importResult } from '../schemas/import.js';
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
