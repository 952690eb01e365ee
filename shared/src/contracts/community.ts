import { communityAmiList, communityAmiParams, communityQuery, ratingBody } from '../schemas/community.js';
import { ratingResult } from '../schemas/listings.js';
import { defineContract } from './contract.js';

export const communityAmis = defineContract({
  name: 'communityAmis',
  method: 'get',
  path: '/community/amis',
  summary: 'Community AMIs (seed 004 shape): best image per listing, filtered by template, category and region',
  tag: 'community',
  auth: 'none',
  scopes: [],
  query: communityQuery,
  response: { status: 200, schema: communityAmiList, description: 'Up to 500 listings, best rated first' },
  errors: [400, 429],
});

export const rateCommunityAmi = defineContract({
  name: 'rateCommunityAmi',
  method: 'post',
  path: '/community/amis/{ami_id}/rate',
  summary: 'Rate the listing that holds this EC2 image id (seed 004); one rating per user, a new one replaces it',
  tag: 'community',
  auth: 'required',
  scopes: ['rate'],
  params: communityAmiParams,
  body: ratingBody,
  response: { status: 200, schema: ratingResult, description: 'The rating and the listing’s new average' },
  errors: [400, 401, 403, 404, 413, 429],
});
