/**
 * Inspector2 over REST-JSON: `POST /findings/list` (ListFindings) returning findings that tests
 * seeded for an image id, filtered by `filterCriteria.ec2InstanceImageId` (and severity), paged
 * with nextToken. Timestamps are epoch seconds, the REST-JSON default.
 */
import { createHash, randomUUID } from 'node:crypto';
import { ApiError } from './errors.js';
import type { SeededFinding, Store } from './state.js';
import type { Reply } from './sts.js';

interface InspectorContext {
  store: Store;
  region: string;
  accountId: string;
}

interface StringFilter {
  comparison?: string;
  value?: string;
}

const SCORES: Record<SeededFinding['severity'], number> = {
  CRITICAL: 9.8,
  HIGH: 7.5,
  MEDIUM: 5.5,
  LOW: 3.1,
  INFORMATIONAL: 0,
  UNTRIAGED: 0,
};

export function inspectorAction(method: string, path: string): string {
  if (method === 'POST' && path === '/findings/list') return 'ListFindings';
  return `${method} ${path}`;
}

function matches(filters: StringFilter[] | undefined, value: string): boolean {
  if (!filters || filters.length === 0) return true;
  const positive = filters.filter((f) => f.comparison !== 'NOT_EQUALS');
  const negative = filters.filter((f) => f.comparison === 'NOT_EQUALS');
  if (negative.some((f) => f.value === value)) return false;
  if (positive.length === 0) return true;
  return positive.some((f) => (f.comparison === 'PREFIX' ? value.startsWith(f.value ?? '') : f.value === value));
}

function render(f: SeededFinding, ctx: InspectorContext): Record<string, unknown> {
  const region = f.region ?? ctx.region;
  const cve = /CVE-\d{4}-\d+/.exec(f.title)?.[0] ?? `CVE-2026-${parseInt(f.findingArnSuffix.slice(0, 4), 16)}`;
  const instanceId = `i-${createHash('sha256').update(f.imageId).digest('hex').slice(0, 17)}`;
  const t = f.observedAt / 1000;
  return {
    awsAccountId: ctx.accountId,
    findingArn: `arn:aws:inspector2:${region}:${ctx.accountId}:finding/${f.findingArnSuffix}`,
    type: 'PACKAGE_VULNERABILITY',
    title: f.title,
    description: f.packageName ? `${f.title} (package ${f.packageName})` : f.title,
    severity: f.severity,
    status: 'ACTIVE',
    firstObservedAt: t,
    lastObservedAt: t,
    updatedAt: t,
    inspectorScore: SCORES[f.severity],
    fixAvailable: 'YES',
    exploitAvailable: 'NO',
    remediation: { recommendation: { text: 'None Provided' } },
    packageVulnerabilityDetails: {
      vulnerabilityId: cve,
      source: 'UBUNTU_CVE',
      vendorSeverity: f.severity,
      vulnerablePackages: f.packageName ? [{ name: f.packageName, version: '1.0.0', packageManager: 'OS' }] : [],
    },
    resources: [
      {
        type: 'AWS_EC2_INSTANCE',
        id: instanceId,
        partition: 'aws',
        region,
        details: { awsEc2Instance: { imageId: f.imageId, type: 't3.micro', platform: 'UBUNTU_24_04' } },
      },
    ],
  };
}

function listFindings(ctx: InspectorContext, input: Record<string, unknown>): Record<string, unknown> {
  const criteria = (input['filterCriteria'] ?? {}) as Record<string, StringFilter[] | undefined>;
  const maxResults = input['maxResults'] ?? 50;
  if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > 100) {
    throw new ApiError('ValidationException', 'maxResults must be between 1 and 100');
  }
  const list = ctx.store.findings.filter(
    (f) =>
      (f.region === undefined || f.region === ctx.region) &&
      matches(criteria['ec2InstanceImageId'], f.imageId) &&
      matches(criteria['severity'], f.severity) &&
      matches(criteria['findingStatus'], 'ACTIVE') &&
      matches(criteria['findingType'], 'PACKAGE_VULNERABILITY') &&
      matches(criteria['resourceType'], 'AWS_EC2_INSTANCE'),
  );
  let start = 0;
  if (typeof input['nextToken'] === 'string') {
    start = Number(Buffer.from(input['nextToken'], 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw new ApiError('ValidationException', 'Invalid nextToken');
  }
  const page = list.slice(start, start + maxResults);
  const out: Record<string, unknown> = { findings: page.map((f) => render(f, ctx)) };
  if (start + maxResults < list.length)
    out['nextToken'] = Buffer.from(String(start + maxResults)).toString('base64url');
  return out;
}

export function handleInspector2(method: string, path: string, body: Buffer, ctx: InspectorContext): Reply {
  if (inspectorAction(method, path) !== 'ListFindings') {
    return inspectorError(new ApiError('UnknownOperationException', `No operation for ${method} ${path}`, 404));
  }
  let input: Record<string, unknown>;
  try {
    input = body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as Record<string, unknown>);
  } catch {
    return inspectorError(new ApiError('ValidationException', 'Request body is not valid JSON'));
  }
  try {
    return {
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify(listFindings(ctx, input)),
      headers: { 'x-amzn-requestid': randomUUID() },
    };
  } catch (err) {
    if (err instanceof ApiError) return inspectorError(err);
    throw err;
  }
}

export function inspectorError(err: ApiError): Reply {
  return {
    status: err.status,
    contentType: 'application/json',
    body: JSON.stringify({ message: err.message }),
    headers: { 'x-amzn-errortype': err.code, 'x-amzn-requestid': randomUUID() },
  };
}
