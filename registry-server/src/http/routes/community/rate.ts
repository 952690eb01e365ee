import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.rateCommunityAmi, (ctx, { params, body, principal }) =>
  ctx.services.ratings.rateByAmi(principal, params.ami_id, body),
);
