/**
 * IAM query protocol (global; signed for us-east-1), just what an instance profile for SSM needs: CreateRole,
 * GetRole, AttachRolePolicy, ListAttachedRolePolicies, CreateInstanceProfile, GetInstanceProfile,
 * AddRoleToInstanceProfile. Per account. RunInstances does not look profiles up here (see the README).
 */
import { createHash, randomUUID } from 'node:crypto';
import { ApiError } from './errors.js';
import type { QueryParams } from './query.js';
import type { Reply } from './sts.js';
import { el, esc, XML_DECL } from './xml.js';

export const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const NAME_RE = /^[\w+=,.@-]{1,64}$/;
const PROFILE_RE = /^[\w+=,.@-]{1,128}$/;
const POLICY_ARN_RE = /^arn:aws:iam::(aws|\d{12}):policy\/[\w+=,.@/-]+$/;

interface Role {
  name: string;
  id: string;
  arn: string;
  created: string;
  trust: string;
  policies: Set<string>;
}
interface Profile {
  name: string;
  id: string;
  arn: string;
  created: string;
  roles: string[];
}

export class IamStore {
  readonly roles = new Map<string, Role>();
  readonly profiles = new Map<string, Profile>();
  clear(): void {
    this.roles.clear();
    this.profiles.clear();
  }
}

const uniqueId = (prefix: string, seed: string) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const d = createHash('sha256').update(seed).digest();
  let id = prefix;
  for (let i = 0; i < 17; i++) id += alphabet[(d[i] ?? 0) % 32];
  return id;
};

function need(params: QueryParams, name: string, re: RegExp): string {
  const v = params.get(name);
  if (v === undefined || v === '')
    throw new ApiError('ValidationError', `1 validation error detected: ${name} must not be null`);
  if (!re.test(v))
    throw new ApiError(
      'ValidationError',
      `1 validation error detected: Value '${v}' at '${name}' failed to satisfy constraint`,
    );
  return v;
}

const roleXml = (r: Role) =>
  `<Role>${el('Path', '/')}${el('RoleName', r.name)}${el('RoleId', r.id)}${el('Arn', r.arn)}${el('CreateDate', r.created)}${el('AssumeRolePolicyDocument', encodeURIComponent(r.trust))}</Role>`;
const profileXml = (p: Profile, roles: Map<string, Role>) =>
  `<InstanceProfile>${el('Path', '/')}${el('InstanceProfileName', p.name)}${el('InstanceProfileId', p.id)}${el('Arn', p.arn)}${el('CreateDate', p.created)}<Roles>${p.roles
    .map((n) => roles.get(n))
    .filter((r): r is Role => !!r)
    .map((r) => `<member>${roleXml(r).slice('<Role>'.length, -'</Role>'.length)}</member>`)
    .join('')}</Roles></InstanceProfile>`;

export function handleIam(action: string, params: QueryParams, store: IamStore, accountId: string): Reply {
  const requestId = randomUUID();
  const key = (n: string) => `${accountId}/${n}`;
  const ok = (inner: string) => ({
    status: 200,
    contentType: 'text/xml',
    headers: { 'x-amzn-requestid': requestId },
    body: `${XML_DECL}<${action}Response xmlns="${IAM_NS}">${inner ? `<${action}Result>${inner}</${action}Result>` : ''}<ResponseMetadata>${el('RequestId', requestId)}</ResponseMetadata></${action}Response>`,
  });
  const role = (n: string) => {
    const r = store.roles.get(key(n));
    if (!r) throw new ApiError('NoSuchEntity', `The role with name ${n} cannot be found.`, 404);
    return r;
  };
  const profile = (n: string) => {
    const p = store.profiles.get(key(n));
    if (!p) throw new ApiError('NoSuchEntity', `Instance Profile ${n} cannot be found.`, 404);
    return p;
  };
  try {
    switch (action) {
      case 'CreateRole': {
        const name = need(params, 'RoleName', NAME_RE);
        const trust = params.get('AssumeRolePolicyDocument');
        if (!trust)
          throw new ApiError(
            'ValidationError',
            '1 validation error detected: AssumeRolePolicyDocument must not be null',
          );
        try {
          JSON.parse(trust);
        } catch {
          throw new ApiError('MalformedPolicyDocument', 'This policy contains invalid Json');
        }
        if (store.roles.has(key(name)))
          throw new ApiError('EntityAlreadyExists', `Role with name ${name} already exists.`, 409);
        const arn = `arn:aws:iam::${accountId}:role/${name}`;
        const r: Role = {
          name,
          id: uniqueId('AROA', arn),
          arn,
          created: new Date().toISOString(),
          trust,
          policies: new Set(),
        };
        store.roles.set(key(name), r);
        return ok(roleXml(r));
      }
      case 'GetRole':
        return ok(roleXml(role(need(params, 'RoleName', NAME_RE))));
      case 'AttachRolePolicy': {
        const r = role(need(params, 'RoleName', NAME_RE));
        const arn = need(params, 'PolicyArn', POLICY_ARN_RE);
        r.policies.add(arn);
        return ok('');
      }
      case 'ListAttachedRolePolicies': {
        const r = role(need(params, 'RoleName', NAME_RE));
        const list = [...r.policies].map(
          (a) => `<member>${el('PolicyName', a.split('/').at(-1))}${el('PolicyArn', a)}</member>`,
        );
        return ok(`<AttachedPolicies>${list.join('')}</AttachedPolicies>${el('IsTruncated', 'false')}`);
      }
      case 'CreateInstanceProfile': {
        const name = need(params, 'InstanceProfileName', PROFILE_RE);
        if (store.profiles.has(key(name)))
          throw new ApiError('EntityAlreadyExists', `Instance Profile ${name} already exists.`, 409);
        const arn = `arn:aws:iam::${accountId}:instance-profile/${name}`;
        const p: Profile = { name, id: uniqueId('AIPA', arn), arn, created: new Date().toISOString(), roles: [] };
        store.profiles.set(key(name), p);
        return ok(profileXml(p, new Map([...store.roles.values()].map((r) => [r.name, r]))));
      }
      case 'GetInstanceProfile': {
        const p = profile(need(params, 'InstanceProfileName', PROFILE_RE));
        const mine = new Map(
          [...store.roles.entries()].filter(([k]) => k.startsWith(`${accountId}/`)).map(([, r]) => [r.name, r]),
        );
        return ok(profileXml(p, mine));
      }
      case 'AddRoleToInstanceProfile': {
        const p = profile(need(params, 'InstanceProfileName', PROFILE_RE));
        const r = role(need(params, 'RoleName', NAME_RE));
        if (p.roles.includes(r.name)) return ok('');
        if (p.roles.length >= 1)
          throw new ApiError('LimitExceeded', 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1', 409);
        p.roles.push(r.name);
        return ok('');
      }
      default:
        throw new ApiError(
          'InvalidAction',
          `Could not find operation ${esc(action)} for version ${params.get('Version') ?? 'NO_VERSION_SPECIFIED'}`,
        );
    }
  } catch (err) {
    if (err instanceof ApiError) return iamError(err, requestId);
    throw err;
  }
}

export function iamError(err: ApiError, requestId = randomUUID()): Reply {
  const type = err.status >= 500 ? 'Receiver' : 'Sender';
  return {
    status: err.status,
    contentType: 'text/xml',
    headers: { 'x-amzn-requestid': requestId },
    body: `${XML_DECL}<ErrorResponse xmlns="${IAM_NS}"><Error>${el('Type', type)}${el('Code', err.code)}${el('Message', err.message)}</Error>${el('RequestId', requestId)}</ErrorResponse>`,
  };
}
