import { ratingBody } from '../schemas/community.js';
import { listingParams, ratingResult, reviewPage, reviewsQuery } from '../schemas/listings.js';
import { defineContract } from './contract.js';

export const rateListing = defineContract({
  name: 'rateListing',
  method: 'put',
  path: '/listings/{owner}/{name}/rating',
  summary: 'Rate a listing 1-5 with an optional review; one per user, a new one replaces it',
  tag: 'ratings',
  auth: 'required',
  scopes: ['rate'],
  params: listingParams,
  body: ratingBody,
  response: { status: 200, schema: ratingResult, description: 'The rating and the listing’s new average' },
  errors: [400, 401, 403, 404, 413, 415, 429],
});

export const listRatings = defineContract({
  name: 'listRatings',
  method: 'get',
  path: '/listings/{owner}/{name}/ratings',
  summary: 'Reviews of a listing, newest first, cursor paged',
  tag: 'ratings',
  auth: 'optional',
  scopes: [],
  params: listingParams,
  query: reviewsQuery,
  response: { status: 200, schema: reviewPage, description: 'A page of reviews' },
  errors: [400, 404, 429],
});
