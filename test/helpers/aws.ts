import { createHash, createHmac } from 'node:crypto';
import type { AwsEmulator } from '@cws/aws-emulator';
import type { Config } from '@cws/registry-server';

export const REGISTRY_ID = 'registry.test.example';

/** The registry's AWS settings against an emulator (verification off unless `extra` turns it on). */
export function awsConfig(emulator: Pick<AwsEmulator, 'url'>, extra: Partial<Config['aws']> = {}): Config['aws'] {
  return {
    verify: false,
    endpoint: emulator.url,
    credentials: null,
    stsEndpoints: [emulator.url],
    registryId: REGISTRY_ID,
    verifyIntervalSeconds: 0,
    signup: true,
    ...extra,
  };
}

/**
 * A small SigV4 signer for account-proof tests: what `cws login --aws` does with the SDK's
 * signer, written out so the test package needs no AWS SDK. The emulator verifies the result
 * the way STS would.
 */
export interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface ProofRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s, 'utf8').digest();
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
/** Two proofs signed in the same second are the same request: each one is dated a second before the last. */
let last = Number.POSITIVE_INFINITY;
const uniqueNow = () => {
  last = Math.min(Math.floor(Date.now() / 1000) * 1000, last - 1000);
  return new Date(last);
};

const amzDate = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

function signature(keys: Keys, date: string, region: string, canonical: string): string {
  const scope = `${date.slice(0, 8)}/${region}/sts/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${date}\n${scope}\n${sha256(canonical)}`;
  const kDate = hmac(`AWS4${keys.secretAccessKey}`, date.slice(0, 8));
  const key = hmac(hmac(hmac(kDate, region), 'sts'), 'aws4_request');
  return hmac(key, toSign).toString('hex');
}

const canonicalQuery = (params: Array<[string, string]>) =>
  [...params]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .join('&');

export interface SignOptions {
  registryId: string;
  region?: string;
  signedAt?: Date;
  expiresIn?: number;
  action?: string;
  /** Leave x-cws-registry-id out of the signed headers (it is still sent). */
  unsignedRegistryId?: boolean;
}

/** A presigned GET of sts:GetCallerIdentity with x-cws-registry-id signed. */
export function presignCallerIdentity(endpoint: string, keys: Keys, opts: SignOptions): ProofRequest {
  const url = new URL(endpoint);
  const region = opts.region ?? 'us-east-1';
  const signedAt = opts.signedAt ?? uniqueNow();
  const date = amzDate(signedAt);
  // A unique date may lie far behind the clock after many proofs in one process (test files share a worker):
  // the default lifetime still ends a minute from now, as a freshly presigned request's does.
  const expiresIn = opts.expiresIn ?? 60 + Math.max(0, Math.ceil((Date.now() - signedAt.getTime()) / 1000));
  const signedNames = opts.unsignedRegistryId ? ['host'] : ['host', 'x-cws-registry-id'];
  const params: Array<[string, string]> = [
    ['Action', opts.action ?? 'GetCallerIdentity'],
    ['Version', '2011-06-15'],
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${keys.accessKeyId}/${date.slice(0, 8)}/${region}/sts/aws4_request`],
    ['X-Amz-Date', date],
    ['X-Amz-Expires', String(expiresIn)],
    ['X-Amz-SignedHeaders', signedNames.join(';')],
  ];
  if (keys.sessionToken) params.push(['X-Amz-Security-Token', keys.sessionToken]);
  const headerValues: Record<string, string> = { host: url.host, 'x-cws-registry-id': opts.registryId };
  const canonicalHeaders = signedNames.map((n) => `${n}:${headerValues[n]}\n`).join('');
  const canonical = ['GET', '/', canonicalQuery(params), canonicalHeaders, signedNames.join(';'), sha256('')].join(
    '\n',
  );
  params.push(['X-Amz-Signature', signature(keys, date, region, canonical)]);
  const query = params.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
  return {
    method: 'GET',
    url: `${url.origin}/?${query}`,
    headers: { 'x-cws-registry-id': opts.registryId },
  };
}

/** A header-signed POST of sts:GetCallerIdentity, as the SDK's STS client sends it. */
export function signCallerIdentityPost(endpoint: string, keys: Keys, opts: SignOptions): ProofRequest {
  const url = new URL(endpoint);
  const region = opts.region ?? 'us-east-1';
  const signedAt = opts.signedAt ?? uniqueNow();
  const date = amzDate(signedAt);
  // A unique date may lie far behind the clock after many proofs in one process (test files share a worker):
  // the default lifetime still ends a minute from now, as a freshly presigned request's does.
  const expiresIn = opts.expiresIn ?? 60 + Math.max(0, Math.ceil((Date.now() - signedAt.getTime()) / 1000));
  const body = `Action=${opts.action ?? 'GetCallerIdentity'}&Version=2011-06-15`;
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    host: url.host,
    'x-amz-date': date,
    'x-cws-registry-id': opts.registryId,
  };
  if (keys.sessionToken) headers['x-amz-security-token'] = keys.sessionToken;
  const names = Object.keys(headers).sort();
  const canonical = [
    'POST',
    '/',
    '',
    names.map((n) => `${n}:${headers[n]}\n`).join(''),
    names.join(';'),
    sha256(body),
  ].join('\n');
  const sig = signature(keys, date, region, canonical);
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${keys.accessKeyId}/${date.slice(0, 8)}/${region}/sts/aws4_request, SignedHeaders=${names.join(';')}, Signature=${sig}`;
  delete headers.host;
  return { method: 'POST', url: `${url.origin}/`, headers, body };
}
