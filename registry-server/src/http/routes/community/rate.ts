import { communityAmiParams, ratingBody, ratingResult } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'post',
    path: '/community/amis/{ami_id}/rate',
    summary: 'Rate the listing that holds this EC2 image id (seed 004); one rating per user, a new one replaces it',
    tag: 'community',
    auth: 'required',
    params: communityAmiParams,
    body: ratingBody,
    response: { status: 200, schema: ratingResult, description: 'The rating and the listing’s new average' },
    errors: [400, 401, 403, 404, 413, 429],
  },
  (ctx, { params, body, principal }) => ctx.services.ratings.rateByAmi(principal!, params.ami_id, body),
);
