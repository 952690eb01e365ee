import {
  createdToken,
  createdUser,
  createTokenBody,
  createUserBody,
  sessionInfo,
  sessionInfoList,
  sessionParams,
  tokenInfo,
  tokenInfoList,
  tokenParams,
  userInfo,
} from '../schemas/auth.js';
import { defineContract } from './contract.js';

export const me = defineContract({
  name: 'me',
  method: 'get',
  path: '/me',
  summary: 'The user behind the token, with proven AWS accounts',
  tag: 'users',
  auth: 'required',
  scopes: [],
  response: { status: 200, schema: userInfo, description: 'The user' },
  errors: [401, 429],
});

export const createUser = defineContract({
  name: 'createUser',
  method: 'post',
  path: '/users',
  summary: 'Create a user and their first token (admin)',
  tag: 'users',
  auth: 'admin',
  scopes: ['admin'],
  body: createUserBody,
  response: { status: 201, schema: createdUser, description: 'The user and a token shown once' },
  errors: [400, 401, 403, 409, 429],
});

export const listTokens = defineContract({
  name: 'listTokens',
  method: 'get',
  path: '/tokens',
  summary: 'Your tokens (never their values)',
  tag: 'tokens',
  auth: 'required',
  scopes: [],
  response: { status: 200, schema: tokenInfoList, description: 'Tokens, oldest first' },
  errors: [401, 429],
});

export const createToken = defineContract({
  name: 'createToken',
  method: 'post',
  path: '/tokens',
  summary: 'Create a token with at most the scopes of the calling token',
  tag: 'tokens',
  auth: 'required',
  scopes: [],
  body: createTokenBody,
  response: { status: 201, schema: createdToken, description: 'The token, shown once' },
  errors: [400, 401, 403, 429],
});

export const revokeToken = defineContract({
  name: 'revokeToken',
  method: 'delete',
  path: '/tokens/{id}',
  summary: 'Revoke one of your tokens (revoking twice is harmless)',
  tag: 'tokens',
  auth: 'required',
  scopes: [],
  params: tokenParams,
  response: { status: 200, schema: tokenInfo, description: 'The revoked token' },
  errors: [400, 401, 404, 429],
});

export const listSessions = defineContract({
  name: 'listSessions',
  method: 'get',
  path: '/me/sessions',
  summary: 'Your live web sessions (never their secrets)',
  tag: 'users',
  auth: 'required',
  scopes: [],
  response: { status: 200, schema: sessionInfoList, description: 'Sessions, newest first' },
  errors: [401, 429],
});

export const endSession = defineContract({
  name: 'endSession',
  method: 'delete',
  path: '/me/sessions/{id}',
  summary: 'End one of your web sessions: its cookie stops working at once',
  tag: 'users',
  auth: 'required',
  scopes: [],
  params: sessionParams,
  response: { status: 200, schema: sessionInfo, description: 'The ended session' },
  errors: [400, 401, 404, 429],
});
