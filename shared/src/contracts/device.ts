import { tokenInfo } from '../schemas/auth.js';
import { deviceCode, deviceCodeBody, deviceToken, deviceTokenBody } from '../schemas/device.js';
import { defineContract } from './contract.js';

export const startDeviceLogin = defineContract({
  name: 'startDeviceLogin',
  method: 'post',
  path: '/device/code',
  summary:
    'Start a device sign-in (cws login --sso): a user code to approve in the browser, a device code to poll with',
  tag: 'auth',
  auth: 'none',
  scopes: [],
  body: deviceCodeBody,
  response: { status: 201, schema: deviceCode, description: 'The codes; they expire in 10 minutes' },
  errors: [400, 415, 429],
});

export const pollDeviceLogin = defineContract({
  name: 'pollDeviceLogin',
  method: 'post',
  path: '/device/token',
  summary:
    'Poll a device sign-in: the token once approved; else 400 authorization_pending, slow_down, expired_token or access_denied',
  tag: 'auth',
  auth: 'none',
  scopes: [],
  body: deviceTokenBody,
  response: { status: 200, schema: deviceToken, description: 'A token of the person who approved, shown once' },
  errors: [400, 404, 415, 429],
});

export const revokeCurrentToken = defineContract({
  name: 'revokeCurrentToken',
  method: 'delete',
  path: '/me/token',
  summary: 'Revoke the token making this request (cws logout)',
  tag: 'tokens',
  auth: 'required',
  scopes: [],
  response: { status: 200, schema: tokenInfo, description: 'The revoked token' },
  errors: [401, 403, 429],
});
