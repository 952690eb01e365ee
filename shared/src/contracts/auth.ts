import { loginCode } from '../schemas/auth.js';
import { awsAuthInfo, awsProofBody, awsProofResult } from '../schemas/aws.js';
import { defineContract } from './contract.js';

export const awsAuthInfoContract = defineContract({
  name: 'awsAuthInfo',
  method: 'get',
  path: '/auth/aws',
  summary: 'What to sign for POST /auth/aws (registry id, STS endpoints), and whether the registry verifies AMIs',
  tag: 'auth',
  auth: 'none',
  scopes: [],
  response: { status: 200, schema: awsAuthInfo, description: 'Proof parameters and verification status' },
  errors: [429],
});

export const proveAwsAccount = defineContract({
  name: 'proveAwsAccount',
  method: 'post',
  path: '/auth/aws',
  summary:
    'Prove an AWS account with a signed sts:GetCallerIdentity: links it to the token’s user, or (no token) logs in and returns a new token',
  tag: 'auth',
  auth: 'optional',
  scopes: ['publish'],
  body: awsProofBody,
  response: {
    status: 200,
    schema: awsProofResult,
    description: 'The proven account, its user, and a token for a login',
  },
  errors: [400, 401, 403, 409, 413, 415, 429, 502],
  limit: 'write',
});

export const createLoginCode = defineContract({
  name: 'createLoginCode',
  method: 'post',
  path: '/web/login-codes',
  summary: 'A one-time sign-in link for the web pages, bound to the token’s user (cws web login)',
  tag: 'web',
  auth: 'required',
  scopes: [],
  response: { status: 201, schema: loginCode, description: 'The link, valid for 5 minutes, usable once' },
  errors: [401, 429],
});
