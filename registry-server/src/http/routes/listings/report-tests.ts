import { contracts } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.submitTestReport, (ctx, { params, body, principal }) =>
  ctx.services.imageChecks.reportTests(principal, params.owner, params.name, params.version, body),
);
