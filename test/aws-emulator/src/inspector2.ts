/**
 * Inspector2 over REST-JSON, as far as a registry scanning AMIs needs it:
 * `POST /status/batch/get` (BatchGetAccountStatus), `POST /enable` (Enable), `POST /coverage/list`
 * (ListCoverage) and `POST /findings/list` (ListFindings). EC2 scanning is per account and region,
 * off until enabled; calls that need it answer AccessDeniedException. A running instance is
 * covered (PENDING_INITIAL_SCAN) and scanned `coverageAfterMs` after it started; then the findings
 * seeded for its AMI are reported against it. Timestamps are epoch seconds, the REST-JSON default.
 */
import { createHash, randomUUID } from 'node:crypto';
import { ApiError } from './errors.js';
import type { EmulatedInstance, InspectorStatus, SeededFinding, Store } from './state.js';
import type { Reply } from './sts.js';

export interface InspectorContext {
  store: Store;
  region: string;
  accountId: string;
  coverageAfterMs: number;
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

const ROUTES: Record<string, string> = {
  '/status/batch/get': 'BatchGetAccountStatus',
  '/enable': 'Enable',
  '/coverage/list': 'ListCoverage',
  '/findings/list': 'ListFindings',
};

export function inspectorAction(method: string, path: string): string {
  const op = method === 'POST' ? ROUTES[path] : undefined;
  return op ?? `${method} ${path}`;
}

export function inspectorStatus(store: Store, accountId: string, region: string): InspectorStatus {
  return store.inspector.get(`${accountId}/${region}`) ?? 'DISABLED';
}

function requireEnabled(ctx: InspectorContext): void {
  if (inspectorStatus(ctx.store, ctx.accountId, ctx.region) !== 'ENABLED') {
    throw new ApiError(
      'AccessDeniedException',
      `Amazon Inspector is not enabled for EC2 scanning in account ${ctx.accountId} in ${ctx.region}. Enable it first.`,
      403,
    );
  }
}

function matches(filters: StringFilter[] | undefined, value: string): boolean {
  if (filters === undefined) return true;
  if (!Array.isArray(filters)) throw new ApiError('ValidationException', 'A filter must be a list');
  if (filters.length === 0) return true;
  for (const f of filters) {
    if (!['EQUALS', 'NOT_EQUALS', 'PREFIX'].includes(f.comparison ?? '') || typeof f.value !== 'string') {
      throw new ApiError('ValidationException', 'Each string filter needs a comparison and a value');
    }
  }
  const positive = filters.filter((f) => f.comparison !== 'NOT_EQUALS');
  const negative = filters.filter((f) => f.comparison === 'NOT_EQUALS');
  if (negative.some((f) => f.value === value)) return false;
  if (positive.length === 0) return true;
  return positive.some((f) => (f.comparison === 'PREFIX' ? value.startsWith(f.value ?? '') : f.value === value));
}

function pageOf<T>(list: T[], input: Record<string, unknown>, max: number): { page: T[]; nextToken?: string } {
  const maxResults = input['maxResults'] ?? Math.min(50, max);
  if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > max) {
    throw new ApiError('ValidationException', `maxResults must be between 1 and ${max}`);
  }
  let start = 0;
  if (input['nextToken'] !== undefined) {
    const token = input['nextToken'];
    start = typeof token === 'string' ? Number(Buffer.from(token, 'base64url').toString('utf8')) : Number.NaN;
    if (!Number.isInteger(start) || start < 0) throw new ApiError('ValidationException', 'Invalid nextToken');
  }
  const page = list.slice(start, start + maxResults);
  const next =
    start + maxResults < list.length ? Buffer.from(String(start + maxResults)).toString('base64url') : undefined;
  return next ? { page, nextToken: next } : { page };
}

// ---- account status ---------------------------------------------------------------------------

function state(status: InspectorStatus) {
  return { status, errorCode: status === 'ENABLED' ? 'ALREADY_ENABLED' : 'DISABLE_IN_PROGRESS', errorMessage: '' };
}

function batchGetAccountStatus(ctx: InspectorContext, input: Record<string, unknown>) {
  const ids = (input['accountIds'] as string[] | undefined) ?? [ctx.accountId];
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || !/^\d{12}$/.test(id))) {
    throw new ApiError('ValidationException', 'accountIds must be 12-digit account ids');
  }
  const accounts = [];
  const failedAccounts = [];
  for (const id of ids) {
    if (id !== ctx.accountId) {
      failedAccounts.push({
        accountId: id,
        errorCode: 'ACCESS_DENIED',
        errorMessage: 'Not a member of your organization',
      });
      continue;
    }
    const ec2 = inspectorStatus(ctx.store, id, ctx.region);
    accounts.push({
      accountId: id,
      state: state(ec2),
      resourceState: { ec2: state(ec2), ecr: state('DISABLED'), lambda: state('DISABLED') },
    });
  }
  return { accounts, failedAccounts };
}

function enable(ctx: InspectorContext, input: Record<string, unknown>) {
  const types = input['resourceTypes'];
  const valid = ['EC2', 'ECR', 'LAMBDA', 'LAMBDA_CODE', 'CODE_REPOSITORY'];
  if (!Array.isArray(types) || types.length === 0 || types.some((t) => !valid.includes(t as string))) {
    throw new ApiError('ValidationException', `resourceTypes must list some of ${valid.join(', ')}`);
  }
  const ids = (input['accountIds'] as string[] | undefined) ?? [ctx.accountId];
  const accounts = [];
  const failedAccounts = [];
  for (const id of ids) {
    if (id !== ctx.accountId) {
      failedAccounts.push({
        accountId: id,
        status: 'DISABLED',
        errorCode: 'ACCESS_DENIED',
        errorMessage: 'Not a member',
      });
      continue;
    }
    if (types.includes('EC2')) ctx.store.inspector.set(`${id}/${ctx.region}`, 'ENABLED');
    const ec2 = types.includes('EC2') ? 'ENABLING' : inspectorStatus(ctx.store, id, ctx.region);
    accounts.push({ accountId: id, status: 'ENABLING', resourceStatus: { ec2, ecr: 'DISABLED' } });
  }
  return { accounts, failedAccounts };
}

// ---- coverage and findings --------------------------------------------------------------------

type Coverage = { instance: EmulatedInstance; code: 'ACTIVE' | 'INACTIVE'; reason: string; scannedAt?: number };

/** Instances of the caller in this region Inspector covers, and how far their scan is. */
function coverage(ctx: InspectorContext, now = Date.now()): Coverage[] {
  const out: Coverage[] = [];
  for (const inst of ctx.store.region(ctx.region).instances.values()) {
    if (inst.ownerId !== ctx.accountId || inst.state !== 'running' || inst.runningSince === undefined) continue;
    if (ctx.store.unsupportedImages.has(inst.imageId)) {
      out.push({ instance: inst, code: 'INACTIVE', reason: 'UNSUPPORTED_OS' });
      continue;
    }
    const at = inst.runningSince + ctx.coverageAfterMs;
    if (now < at) out.push({ instance: inst, code: 'ACTIVE', reason: 'PENDING_INITIAL_SCAN' });
    else out.push({ instance: inst, code: 'ACTIVE', reason: 'SUCCESSFUL', scannedAt: at });
  }
  return out;
}

function listCoverage(ctx: InspectorContext, input: Record<string, unknown>) {
  requireEnabled(ctx);
  const c = (input['filterCriteria'] ?? {}) as Record<string, StringFilter[] | undefined>;
  const tagFilters = (c['ec2InstanceTags'] ?? []) as Array<{ comparison?: string; key?: string; value?: string }>;
  const list = coverage(ctx).filter(
    (e) =>
      matches(c['resourceId'], e.instance.instanceId) &&
      matches(c['resourceType'], 'AWS_EC2_INSTANCE') &&
      matches(c['scanType'], 'PACKAGE') &&
      matches(c['scanStatusCode'], e.code) &&
      matches(c['scanStatusReason'], e.reason) &&
      matches(c['accountId'], ctx.accountId) &&
      tagFilters.every((t) => e.instance.tags[t.key ?? ''] === t.value),
  );
  const { page, nextToken } = pageOf(list, input, 200);
  return {
    coveredResources: page.map((e) => ({
      resourceType: 'AWS_EC2_INSTANCE',
      resourceId: e.instance.instanceId,
      accountId: ctx.accountId,
      scanType: 'PACKAGE',
      scanMode: 'EC2_AGENTLESS',
      scanStatus: { statusCode: e.code, reason: e.reason },
      resourceMetadata: { ec2: { amiId: e.instance.imageId, platform: 'LINUX', tags: e.instance.tags } },
      ...(e.scannedAt ? { lastScannedAt: e.scannedAt / 1000 } : {}),
    })),
    ...(nextToken ? { nextToken } : {}),
  };
}

export function vulnerabilityIdOf(f: SeededFinding): string {
  return (
    f.vulnerabilityId ??
    /(CVE-\d{4}-\d+|GHSA-[\w-]+)/.exec(f.title)?.[0] ??
    `CVE-2026-${parseInt(f.findingArnSuffix.slice(0, 4), 16)}`
  );
}

function render(f: SeededFinding, inst: EmulatedInstance, ctx: InspectorContext): Record<string, unknown> {
  const id = vulnerabilityIdOf(f);
  const arnSuffix = createHash('sha256').update(`${f.findingArnSuffix}/${inst.instanceId}`).digest('hex').slice(0, 32);
  const t = f.observedAt / 1000;
  return {
    awsAccountId: ctx.accountId,
    findingArn: `arn:aws:inspector2:${ctx.region}:${ctx.accountId}:finding/${arnSuffix}`,
    type: 'PACKAGE_VULNERABILITY',
    title: f.title,
    description: f.packageName ? `${f.title} (package ${f.packageName})` : f.title,
    severity: f.severity,
    status: 'ACTIVE',
    firstObservedAt: t,
    lastObservedAt: t,
    updatedAt: t,
    inspectorScore: SCORES[f.severity],
    fixAvailable: f.fixedVersion ? 'YES' : 'NO',
    exploitAvailable: f.severity === 'CRITICAL' ? 'YES' : 'NO',
    remediation: { recommendation: { text: f.fixedVersion ? `Upgrade to ${f.fixedVersion}` : 'None Provided' } },
    packageVulnerabilityDetails: {
      vulnerabilityId: id,
      source: 'UBUNTU_CVE',
      sourceUrl: id.startsWith('CVE-') ? `https://ubuntu.com/security/${id}` : `https://github.com/advisories/${id}`,
      vendorSeverity: f.severity,
      referenceUrls: [],
      vulnerablePackages: f.packageName
        ? [
            {
              name: f.packageName,
              version: f.installedVersion ?? '1.0.0',
              ...(f.fixedVersion ? { fixedInVersion: f.fixedVersion } : {}),
              packageManager: 'OS',
            },
          ]
        : [],
    },
    resources: [
      {
        type: 'AWS_EC2_INSTANCE',
        id: inst.instanceId,
        partition: 'aws',
        region: ctx.region,
        tags: inst.tags,
        details: {
          awsEc2Instance: { imageId: inst.imageId, type: inst.instanceType, platform: 'UBUNTU_24_04' },
        },
      },
    ],
  };
}

function listFindings(ctx: InspectorContext, input: Record<string, unknown>): Record<string, unknown> {
  requireEnabled(ctx);
  const c = (input['filterCriteria'] ?? {}) as Record<string, StringFilter[] | undefined>;
  const scanned = coverage(ctx).filter((e) => e.reason === 'SUCCESSFUL');
  const list: Array<{ f: SeededFinding; inst: EmulatedInstance }> = [];
  for (const e of scanned) {
    for (const f of ctx.store.findings) {
      if (f.imageId !== e.instance.imageId || (f.region !== undefined && f.region !== ctx.region)) continue;
      if (
        matches(c['ec2InstanceImageId'], f.imageId) &&
        matches(c['resourceId'], e.instance.instanceId) &&
        matches(c['severity'], f.severity) &&
        matches(c['vulnerabilityId'], vulnerabilityIdOf(f)) &&
        matches(c['findingStatus'], 'ACTIVE') &&
        matches(c['findingType'], 'PACKAGE_VULNERABILITY') &&
        matches(c['resourceType'], 'AWS_EC2_INSTANCE') &&
        matches(c['awsAccountId'], ctx.accountId)
      ) {
        list.push({ f, inst: e.instance });
      }
    }
  }
  const { page, nextToken } = pageOf(list, input, 100);
  return { findings: page.map((x) => render(x.f, x.inst, ctx)), ...(nextToken ? { nextToken } : {}) };
}

const HANDLERS: Record<string, (ctx: InspectorContext, input: Record<string, unknown>) => unknown> = {
  BatchGetAccountStatus: batchGetAccountStatus,
  Enable: enable,
  ListCoverage: listCoverage,
  ListFindings: listFindings,
};

export function handleInspector2(method: string, path: string, body: Buffer, ctx: InspectorContext): Reply {
  const handler = HANDLERS[inspectorAction(method, path)];
  if (!handler) {
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
      body: JSON.stringify(handler(ctx, input)),
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
