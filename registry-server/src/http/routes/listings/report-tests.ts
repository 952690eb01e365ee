import { testReportBody, versionParams, versionTestReport } from '@cws/shared';
import { defineRoute } from '../../route.js';

export const { spec, register } = defineRoute(
  {
    method: 'post',
    path: '/listings/{owner}/{name}/versions/{version}/tests',
    summary:
      "Report the template's validation tests run on one of a version's images (owner or maintainer); shown as publisher-reported",
    tag: 'listings',
    auth: 'required',
    params: versionParams,
    body: testReportBody,
    response: { status: 201, schema: versionTestReport, description: 'The report as recorded on the version' },
    errors: [400, 401, 403, 404, 409, 429],
  },
  (ctx, { params, body, principal }) =>
    ctx.services.imageChecks.reportTests(principal!, params.owner, params.name, params.version, body),
);
