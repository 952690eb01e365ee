/**
 * The one HTTP listener for every service. A request is routed by the service and region in its
 * SigV4 credential scope (header or presigned query), authenticated against the emulator's
 * accounts, logged, subjected to injected faults/latency, then handed to the service module.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleControl } from './control.js';
import type { EmulatorTiming } from './ec2/index.js';
import { ec2Error, handleEc2 } from './ec2/index.js';
import { ApiError } from './errors.js';
import { handleIam, iamError } from './iam.js';
import { handleInspector2, inspectorAction, inspectorError } from './inspector2.js';
import { QueryParams } from './query.js';
import type { SigV4Auth, WireRequest } from './sigv4.js';
import { parseAuth, verify } from './sigv4.js';
import { handleSsm, ssmAction, ssmError } from './ssm.js';
import type { Store } from './state.js';
import type { Reply } from './sts.js';
import { handleSts, stsError } from './sts.js';

export interface Account {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  arn?: string;
}

export interface RequestLogEntry {
  service: string;
  action: string;
  region: string;
  accountId: string | null;
}

export interface FaultRule {
  action: string;
  region?: string;
  code: string;
  message: string;
  status?: number;
  remaining: number;
}

export interface ServerDeps {
  store: Store;
  accounts: Account[];
  timing: EmulatorTiming;
  faults: FaultRule[];
  latency: Map<string, number>;
  requests: RequestLogEntry[];
}

const MAX_BODY = 10 * 1024 * 1024;

export function createListener(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`emulator internal error: ${err instanceof Error ? err.stack : String(err)}`);
      } else res.destroy();
    });
  };
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const url = req.url ?? '/';
  const qi = url.indexOf('?');
  const wire: WireRequest = {
    method: req.method ?? 'GET',
    rawPath: qi < 0 ? url : url.slice(0, qi),
    rawQuery: qi < 0 ? '' : url.slice(qi + 1),
    headers: req.headers,
    body,
  };
  if (wire.rawPath.startsWith('/_emulator/')) return send(res, handleControl(deps.store, wire));
  const auth = parseAuth(wire);
  const signed: SigV4Auth | undefined = auth && 'accessKeyId' in auth ? auth : undefined;
  const params = queryParams(wire);
  const service = signed?.service ?? guessService(wire, params);
  const region = signed?.region ?? 'us-east-1';
  const action = actionOf(service, wire, params);
  const entry: RequestLogEntry = { service, action, region, accountId: null };
  deps.requests.push(entry);
  const fail = (err: ApiError) => send(res, renderError(service, err, wire));

  if (!auth) return fail(new ApiError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403));
  if ('code' in auth) return fail(new ApiError(auth.code, auth.message, 400));
  if (!signed) return;
  const account = deps.accounts.find((a) => a.accessKeyId === signed.accessKeyId);
  if (!account) return fail(unknownKey(service));
  const problem = verify(wire, signed, account.secretAccessKey);
  if (problem) {
    // EC2 reports a stale or expired signature as RequestExpired; the other services as SignatureDoesNotMatch.
    if (service === 'ec2' && problem.expired)
      return fail(new ApiError('RequestExpired', `Request has expired. ${problem.message}`, 400));
    return fail(new ApiError(problem.code, problem.message, problem.code === 'SignatureDoesNotMatch' ? 403 : 400));
  }
  entry.accountId = account.accountId;

  const delay = deps.latency.get(action);
  if (delay) await new Promise((r) => setTimeout(r, delay));
  const fault = takeFault(deps.faults, action, region);
  if (fault) return fail(new ApiError(fault.code, fault.message, fault.status ?? 400));

  const who = { store: deps.store, region, accountId: account.accountId };
  switch (service) {
    case 'ec2': {
      return send(res, handleEc2(action, { ...who, params, timing: deps.timing }));
    }
    case 'sts':
      return send(res, handleSts(action, params, account, wantsJson(wire)));
    case 'iam':
      return send(res, handleIam(action, params, deps.store.iam, account.accountId));
    case 'ssm':
      return send(
        res,
        handleSsm(headerOf(wire, 'x-amz-target') ?? '', body, {
          ...who,
          agentOnlineAfterMs: deps.timing.ssmAgentOnlineAfterMs,
        }),
      );
    case 'inspector2':
      return send(
        res,
        handleInspector2(wire.method, wire.rawPath, body, {
          ...who,
          coverageAfterMs: deps.timing.inspectorScanAfterMs,
        }),
      );
    default:
      return fail(new ApiError('UnknownService', `The emulator does not implement service '${service}'`, 400));
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function headerOf(wire: WireRequest, name: string): string | undefined {
  const v = wire.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * Query-protocol parameters come from the URL and, for form posts, the body. A body without a
 * content type is read as a form too: forwarders of presigned requests sometimes drop the header.
 */
function queryParams(wire: WireRequest): QueryParams {
  const parts = [new URLSearchParams(wire.rawQuery)];
  const type = headerOf(wire, 'content-type');
  if (type === undefined ? wire.body.length > 0 : type.includes('application/x-www-form-urlencoded')) {
    parts.push(new URLSearchParams(wire.body.toString('utf8')));
  }
  return QueryParams.fromParts(...parts);
}

/** Used only to shape errors for requests that carry no credential scope. */
function guessService(wire: WireRequest, params: QueryParams): string {
  if ((headerOf(wire, 'x-amz-target') ?? '').startsWith('AmazonSSM.')) return 'ssm';
  if (/^\/(findings|coverage|status|enable)(\/|$)/.test(wire.rawPath)) return 'inspector2';
  if (params.get('Version') === '2011-06-15' || params.get('Action') === 'GetCallerIdentity') return 'sts';
  return 'ec2';
}

function actionOf(service: string, wire: WireRequest, params: QueryParams): string {
  if (service === 'ssm') return ssmAction(headerOf(wire, 'x-amz-target'));
  if (service === 'inspector2') return inspectorAction(wire.method, wire.rawPath);
  return params.get('Action') ?? '';
}

function wantsJson(wire: WireRequest): boolean {
  return (headerOf(wire, 'accept') ?? '').includes('application/json');
}

function unknownKey(service: string): ApiError {
  switch (service) {
    case 'ec2':
      return new ApiError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401);
    case 'sts':
    case 'iam':
      return new ApiError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
    default:
      return new ApiError('UnrecognizedClientException', 'The security token included in the request is invalid.', 403);
  }
}

function renderError(service: string, err: ApiError, wire: WireRequest): Reply {
  switch (service) {
    case 'ec2':
      return ec2Error(err);
    case 'sts':
      return stsError(err, wantsJson(wire));
    case 'iam':
      return iamError(err);
    case 'ssm':
      return ssmError(err);
    case 'inspector2':
      return inspectorError(err);
    default:
      return {
        status: err.status,
        contentType: 'application/json',
        body: JSON.stringify({ __type: err.code, message: err.message }),
      };
  }
}

function takeFault(faults: FaultRule[], action: string, region: string): FaultRule | undefined {
  const i = faults.findIndex((f) => f.action === action && (f.region === undefined || f.region === region));
  if (i < 0) return undefined;
  const rule = faults[i] as FaultRule;
  rule.remaining -= 1;
  if (rule.remaining <= 0) faults.splice(i, 1);
  return rule;
}

function send(res: ServerResponse, reply: Reply): void {
  const body = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, {
    'content-type': reply.contentType,
    'content-length': String(body.length),
    ...reply.headers,
  });
  res.end(body);
}
