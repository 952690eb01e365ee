import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.proveAwsAccount, (ctx, { body, principal }) =>
  ctx.services.awsAccounts.prove(principal, body),
);
