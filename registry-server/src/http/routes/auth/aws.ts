import { awsProofBody, awsProofResult } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'post',
    path: '/auth/aws',
    summary:
      'Prove an AWS account with a signed sts:GetCallerIdentity: links it to the token’s user, or (no token) logs in and returns a new token',
    tag: 'auth',
    auth: 'optional',
    body: awsProofBody,
    response: {
      status: 200,
      schema: awsProofResult,
      description: 'The proven account, its user, and a token for a login',
    },
    errors: [400, 401, 403, 409, 413, 415, 429, 502],
    limit: 'write',
  },
  (ctx, { body, principal }) => ctx.services.awsAccounts.prove(principal, body),
);
