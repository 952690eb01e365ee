import { resolveParams, resolveQuery, resolveResult } from '../schemas/resolve.js';
import { defineContract } from './contract.js';

export const resolve = defineContract({
  name: 'resolve',
  method: 'get',
  path: '/resolve/{template}',
  summary:
    'The best AMI for a template in a region and architecture under a policy (listing=OWNER/NAME: only the images of that listing); counts a download (once per identity and listing a day)',
  tag: 'resolve',
  auth: 'optional',
  scopes: [],
  params: resolveParams,
  query: resolveQuery,
  response: { status: 200, schema: resolveResult, description: 'The chosen image and why' },
  errors: [400, 404, 429],
});
