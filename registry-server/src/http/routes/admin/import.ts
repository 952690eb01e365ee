import { importResult } from '@cws/shared';
import { z } from 'zod';
import { DomainError } from '../../../errors.js';
import { requireAdmin } from '../../../services/auth.js';
import { parseIndex, validateIndex } from '../../../services/import.js';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'post',
    path: '/admin/import',
    summary: 'Import a registry index (seed 004 CommunityAMI shape) as JSON or YAML; idempotent (admin)',
    tag: 'admin',
    auth: 'admin',
    body: z
      .unknown()
      .describe(
        '{template: {listing_name: {version, creator, description, architecture?, regions: {region: ami-id}}}}',
      ),
    bodyTypes: ['application/yaml', 'application/x-yaml', 'text/yaml'],
    response: { status: 200, schema: importResult, description: 'What was created' },
    errors: [400, 401, 403, 413, 415, 429],
  },
  (ctx, { body, principal }) => {
    requireAdmin(principal!);
    if (typeof body === 'string') return ctx.services.import.import(parseIndex(body, 'body'), principal!.userId);
    if (typeof body !== 'object' || body === null) throw new DomainError('bad_request', 'send an index object');
    return ctx.services.import.import(validateIndex(body, 'body'), principal!.userId);
  },
);
