import { awsAuthInfo } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'get',
    path: '/auth/aws',
    summary: 'What to sign for POST /auth/aws (registry id, STS endpoints), and whether the registry verifies AMIs',
    tag: 'auth',
    auth: 'none',
    response: { status: 200, schema: awsAuthInfo, description: 'Proof parameters and verification status' },
    errors: [429],
  },
  async (ctx) => ctx.services.awsAccounts.info(),
);
