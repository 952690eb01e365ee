import {
  createOrgBody,
  orgDetail,
  orgInfoList,
  orgMember,
  orgMemberParams,
  orgParams,
  orgTokenList,
  setMemberBody,
} from '../schemas/orgs.js';
import { defineContract } from './contract.js';

export const createOrg = defineContract({
  name: 'createOrg',
  method: 'post',
  path: '/orgs',
  summary: 'Create an organisation (registry admin)',
  tag: 'organisations',
  auth: 'admin',
  scopes: ['admin'],
  body: createOrgBody,
  response: { status: 201, schema: orgDetail, description: 'The organisation and its first admins' },
  errors: [400, 401, 403, 404, 409, 429],
});

export const listOrgs = defineContract({
  name: 'listOrgs',
  method: 'get',
  path: '/orgs',
  summary: 'Organisations you belong to (registry admins: all)',
  tag: 'organisations',
  auth: 'required',
  scopes: [],
  response: { status: 200, schema: orgInfoList, description: 'Organisations by name' },
  errors: [401, 429],
});

export const getOrg = defineContract({
  name: 'getOrg',
  method: 'get',
  path: '/orgs/{org}',
  summary: 'An organisation and its members (members and registry admins)',
  tag: 'organisations',
  auth: 'required',
  scopes: [],
  params: orgParams,
  response: { status: 200, schema: orgDetail, description: 'The organisation' },
  errors: [400, 401, 404, 429],
});

export const setOrgMember = defineContract({
  name: 'setOrgMember',
  method: 'put',
  path: '/orgs/{org}/members/{handle}',
  summary: "Add a member or change their role (the organisation's admins, registry admins)",
  tag: 'organisations',
  auth: 'required',
  scopes: [],
  params: orgMemberParams,
  body: setMemberBody,
  response: { status: 200, schema: orgMember, description: 'The membership as it now is' },
  errors: [400, 401, 403, 404, 409, 429],
});

export const removeOrgMember = defineContract({
  name: 'removeOrgMember',
  method: 'delete',
  path: '/orgs/{org}/members/{handle}',
  summary: "Remove a member (the organisation's admins, registry admins, or the member)",
  tag: 'organisations',
  auth: 'required',
  scopes: [],
  params: orgMemberParams,
  response: { status: 204, description: 'Removed' },
  errors: [400, 401, 403, 404, 409, 429],
});

export const orgTokens = defineContract({
  name: 'orgTokens',
  method: 'get',
  path: '/orgs/{org}/tokens',
  summary: "Tokens limited to the organisation, never their values (the organisation's admins, registry admins)",
  tag: 'organisations',
  auth: 'required',
  scopes: [],
  params: orgParams,
  response: { status: 200, schema: orgTokenList, description: 'Tokens, oldest first' },
  errors: [400, 401, 403, 404, 429],
});
