/**
 * SSM over JSON 1.1 (`X-Amz-Target: AmazonSSM.<Op>`): the public parameters that name the current
 * Canonical images, plus anything tests set. Parameters are per region, like AWS's public ones.
 */
import { randomUUID } from 'node:crypto';
import { ApiError } from './errors.js';
import { RUN_COMMAND_OPS } from './run-command.js';
import type { Store } from './state.js';
import type { Reply } from './sts.js';

export const SSM_CONTENT_TYPE = 'application/x-amz-json-1.1';

interface SsmContext {
  store: Store;
  region: string;
  accountId: string;
  agentOnlineAfterMs: number;
}

type Json = Record<string, unknown>;

function parameterJson(ctx: SsmContext, name: string): Json | undefined {
  const p = ctx.store.parameters.get(ctx.region)?.get(name);
  if (!p) return undefined;
  const isPublic = name.startsWith('/aws/');
  const arnPath = name.startsWith('/') ? name : `/${name}`;
  return {
    Name: name,
    Type: 'String',
    Value: p.value,
    Version: p.version,
    LastModifiedDate: p.modified / 1000,
    ARN: `arn:aws:ssm:${ctx.region}:${isPublic ? '' : ctx.accountId}:parameter${arnPath}`,
    DataType: /^ami-[0-9a-f]+$/.test(p.value) ? 'aws:ec2:image' : 'text',
  };
}

/** Accepts a plain name or a parameter ARN; a `:version` selector is ignored (there is one version). */
function normalizeName(raw: unknown): string {
  if (typeof raw !== 'string' || raw === '')
    throw new ApiError('ValidationException', 'Parameter name must not be empty');
  const fromArn = /^arn:aws:ssm:[^:]*:[^:]*:parameter(\/.*)$/.exec(raw)?.[1] ?? raw;
  return fromArn.replace(/:\d+$/, '');
}

const OPS: Record<string, (ctx: SsmContext, input: Json) => Json> = {
  GetParameter(ctx, input) {
    const name = normalizeName(input['Name']);
    const p = parameterJson(ctx, name);
    if (!p) throw new ApiError('ParameterNotFound', `Parameter ${name} not found.`);
    return { Parameter: p };
  },
  GetParameters(ctx, input) {
    const names = input['Names'];
    if (!Array.isArray(names) || names.length === 0 || names.length > 10) {
      throw new ApiError('ValidationException', 'Names must contain between 1 and 10 parameter names');
    }
    const found: Json[] = [];
    const invalid: string[] = [];
    for (const raw of names) {
      const p = parameterJson(ctx, normalizeName(raw));
      if (p) found.push(p);
      else invalid.push(String(raw));
    }
    return { Parameters: found, InvalidParameters: invalid };
  },
  GetParametersByPath(ctx, input) {
    const path = String(input['Path'] ?? '');
    if (!path.startsWith('/')) throw new ApiError('ValidationException', 'Path must start with /');
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const recursive = input['Recursive'] === true;
    const names = [...(ctx.store.parameters.get(ctx.region)?.keys() ?? [])]
      .filter((n) => n.startsWith(prefix) && (recursive || !n.slice(prefix.length).includes('/')))
      .sort();
    const max = typeof input['MaxResults'] === 'number' ? input['MaxResults'] : 10;
    const start = typeof input['NextToken'] === 'string' ? Number(input['NextToken']) || 0 : 0;
    const page = names.slice(start, start + max);
    const out: Json = { Parameters: page.map((n) => parameterJson(ctx, n)) };
    if (start + max < names.length) out['NextToken'] = String(start + max);
    return out;
  },
};

Object.assign(OPS, RUN_COMMAND_OPS);

export function handleSsm(target: string, body: Buffer, ctx: SsmContext): Reply {
  const op = target.startsWith('AmazonSSM.') ? target.slice('AmazonSSM.'.length) : '';
  const fn = OPS[op];
  if (!fn) return ssmError(new ApiError('UnknownOperationException', `Unknown operation ${target}`));
  let input: Json;
  try {
    input = body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as Json);
  } catch {
    return ssmError(new ApiError('SerializationException', 'Request body is not valid JSON'));
  }
  try {
    return {
      status: 200,
      contentType: SSM_CONTENT_TYPE,
      body: JSON.stringify(fn(ctx, input)),
      headers: { 'x-amzn-requestid': randomUUID() },
    };
  } catch (err) {
    if (err instanceof ApiError) return ssmError(err);
    throw err;
  }
}

export function ssmError(err: ApiError): Reply {
  return {
    status: err.status,
    contentType: SSM_CONTENT_TYPE,
    body: JSON.stringify({ __type: err.code, message: err.message }),
    headers: { 'x-amzn-requestid': randomUUID() },
  };
}

/** Which SSM operation a request is, for logging and fault injection. */
export function ssmAction(target: string | undefined): string {
  return target?.startsWith('AmazonSSM.') ? target.slice('AmazonSSM.'.length) : (target ?? '');
}
