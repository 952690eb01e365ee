import {
  createdInvitation,
  createInvitationBody,
  invitationInfo,
  invitationPage,
  invitationParams,
  invitationQuery,
} from '../schemas/invitations.js';
import { defineContract } from './contract.js';

export const createInvitation = defineContract({
  name: 'createInvitation',
  method: 'post',
  path: '/invitations',
  summary: 'Invite someone: a single-use link that creates their account when opened (admin)',
  tag: 'admin',
  auth: 'admin',
  scopes: ['admin'],
  body: createInvitationBody,
  response: { status: 201, schema: createdInvitation, description: 'The invitation and its link, shown once' },
  errors: [400, 401, 403, 429],
});

export const listInvitations = defineContract({
  name: 'listInvitations',
  method: 'get',
  path: '/invitations',
  summary: 'Invitations and first-run links, newest first, with their state (admin)',
  tag: 'admin',
  auth: 'admin',
  scopes: ['admin'],
  query: invitationQuery,
  response: { status: 200, schema: invitationPage, description: 'A page of invitations' },
  errors: [400, 401, 403, 429],
});

export const revokeInvitation = defineContract({
  name: 'revokeInvitation',
  method: 'delete',
  path: '/invitations/{id}',
  summary: 'Revoke an unused invitation: its link stops working (admin; revoking twice is harmless)',
  tag: 'admin',
  auth: 'admin',
  scopes: ['admin'],
  params: invitationParams,
  response: { status: 200, schema: invitationInfo, description: 'The invitation as it now is' },
  errors: [400, 401, 403, 404, 429],
});
