/**
 * AWS Signature Version 4 verification, written against the spec and smithy's signer so that a
 * request signed (or presigned) by the unmodified SDK verifies byte for byte. We recompute the
 * signature from what actually arrived on the wire: a tampered signed header, query value or body
 * changes the canonical request and therefore the signature.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface WireRequest {
  method: string;
  /** Path exactly as received, still percent-encoded, without the query string. */
  rawPath: string;
  /** Query string exactly as received, without the leading `?`. */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SigV4Auth {
  kind: 'header' | 'presigned';
  accessKeyId: string;
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  /** Presigned only: X-Amz-Expires in seconds. */
  expiresSec?: number;
}

export type AuthProblem = { code: string; message: string; expired?: boolean };

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** Header-signed requests may be this far from the server clock, in either direction. */
export const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_EXPIRES_SEC = 7 * 24 * 3600;

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Reads the credential scope from the Authorization header or the presigned query; null if unsigned. */
export function parseAuth(req: WireRequest): SigV4Auth | AuthProblem | null {
  const header = req.headers.authorization;
  if (typeof header === 'string' && header.startsWith(`${ALGORITHM} `)) {
    const fields = new Map<string, string>();
    for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    const cred = fields.get('Credential');
    const signed = fields.get('SignedHeaders');
    const signature = fields.get('Signature');
    if (!cred || !signed || !signature) {
      return {
        code: 'IncompleteSignature',
        message: `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.`,
      };
    }
    const amzDate = headerValue(req.headers, 'x-amz-date') ?? fromHttpDate(headerValue(req.headers, 'date'));
    if (!amzDate) {
      return {
        code: 'IncompleteSignature',
        message: `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.`,
      };
    }
    return withScope('header', cred, signed, signature, amzDate);
  }
  const q = new URLSearchParams(req.rawQuery);
  if (q.get('X-Amz-Algorithm') === ALGORITHM) {
    const cred = q.get('X-Amz-Credential');
    const signed = q.get('X-Amz-SignedHeaders');
    const signature = q.get('X-Amz-Signature');
    const amzDate = q.get('X-Amz-Date');
    const expires = Number(q.get('X-Amz-Expires') ?? Number.NaN);
    if (!cred || !signed || !signature || !amzDate || !Number.isInteger(expires)) {
      return {
        code: 'AuthorizationQueryParametersError',
        message:
          'Query-string authentication requires the X-Amz-Credential, X-Amz-SignedHeaders, X-Amz-Signature, X-Amz-Date and X-Amz-Expires parameters.',
      };
    }
    if (expires < 1 || expires > MAX_PRESIGN_EXPIRES_SEC) {
      return {
        code: 'AuthorizationQueryParametersError',
        message: 'X-Amz-Expires must be between 1 and 604800 seconds.',
      };
    }
    const auth = withScope('presigned', cred, signed, signature, amzDate);
    if ('accessKeyId' in auth) auth.expiresSec = expires;
    return auth;
  }
  return null;
}

function withScope(
  kind: SigV4Auth['kind'],
  cred: string,
  signed: string,
  signature: string,
  amzDate: string,
): SigV4Auth | AuthProblem {
  const parts = cred.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || parts.some((p) => p === '')) {
    return { code: 'IncompleteSignature', message: `Credential should be scoped to a valid region, not '${cred}'.` };
  }
  const [accessKeyId, scopeDate, region, service] = parts as [string, string, string, string];
  return { kind, accessKeyId, scopeDate, region, service, signedHeaders: signed.split(';'), signature, amzDate };
}

/** Checks time, scope and signature against the account's secret. Returns a problem or null when valid. */
export function verify(
  req: WireRequest,
  auth: SigV4Auth,
  secretAccessKey: string,
  now = Date.now(),
): AuthProblem | null {
  const signedAt = parseAmzDate(auth.amzDate);
  if (signedAt === undefined) return { code: 'IncompleteSignature', message: `Invalid X-Amz-Date '${auth.amzDate}'.` };
  if (auth.amzDate.slice(0, 8) !== auth.scopeDate) {
    return {
      code: 'SignatureDoesNotMatch',
      message: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${auth.amzDate.slice(0, 8)}'`,
    };
  }
  if (signedAt - now > MAX_SKEW_MS) {
    return {
      code: 'SignatureDoesNotMatch',
      expired: true,
      message: `Signature not yet current: ${auth.amzDate} is still later than ${isoBasic(now + MAX_SKEW_MS)}`,
    };
  }
  if (auth.kind === 'header' && now - signedAt > MAX_SKEW_MS) {
    return {
      code: 'SignatureDoesNotMatch',
      expired: true,
      message: `Signature expired: ${auth.amzDate} is now earlier than ${isoBasic(now - MAX_SKEW_MS)} (${isoBasic(now)} - 15 min.)`,
    };
  }
  if (auth.kind === 'presigned' && now > signedAt + (auth.expiresSec ?? 0) * 1000) {
    return {
      code: 'SignatureDoesNotMatch',
      expired: true,
      message: `Request has expired: signed at ${auth.amzDate}, valid for ${auth.expiresSec} seconds.`,
    };
  }
  if (!auth.signedHeaders.includes('host')) {
    return { code: 'SignatureDoesNotMatch', message: `'Host' must be a 'SignedHeader' in the AWS Authorization.` };
  }
  for (const name of auth.signedHeaders) {
    if (headerValue(req.headers, name) === undefined) {
      return { code: 'SignatureDoesNotMatch', message: `Signed header '${name}' is missing from the request.` };
    }
  }

  const bodyHash = sha256Hex(req.body);
  const declared = headerValue(req.headers, 'x-amz-content-sha256');
  // Non-S3 services do not accept UNSIGNED-PAYLOAD: a declared hash must be the body's real hash.
  if (declared !== undefined && declared !== bodyHash) {
    return {
      code: 'SignatureDoesNotMatch',
      message: 'The provided x-amz-content-sha256 header does not match what was computed.',
    };
  }
  const canonical = canonicalRequest(req, auth, declared ?? bodyHash);
  const scope = `${auth.scopeDate}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${auth.amzDate}\n${scope}\n${sha256Hex(canonical)}`;
  const expected = hmac(signingKey(secretAccessKey, auth.scopeDate, auth.region, auth.service), stringToSign).toString(
    'hex',
  );
  const given = Buffer.from(auth.signature, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected, 'utf8'))) {
    return {
      code: 'SignatureDoesNotMatch',
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    };
  }
  return null;
}

export function canonicalRequest(req: WireRequest, auth: SigV4Auth, payloadHash: string): string {
  const names = [...auth.signedHeaders].sort();
  const headers = names.map((n) => `${n}:${(headerValue(req.headers, n) ?? '').trim().replace(/\s+/g, ' ')}`);
  return [
    req.method.toUpperCase(),
    canonicalPath(req.rawPath),
    canonicalQuery(req.rawQuery, auth.kind === 'presigned'),
    `${headers.join('\n')}\n`,
    names.join(';'),
    payloadHash,
  ].join('\n');
}

/** Non-S3 services sign the normalized path encoded once more ("double encoding"), keeping slashes. */
function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const seg of rawPath.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  const normalized = `${rawPath.startsWith('/') ? '/' : ''}${segments.join('/')}${trailing}`;
  return escapeUri(normalized).replace(/%2F/g, '/');
}

function canonicalQuery(rawQuery: string, presigned: boolean): string {
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : safeDecode(part.slice(eq + 1));
    if (presigned && key === 'X-Amz-Signature') continue;
    pairs.push([key, escapeUri(value)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${escapeUri(k)}=${v}`).join('&');
}

function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac(`AWS4${secret}`, date);
  return hmac(hmac(hmac(kDate, region), service), 'aws4_request');
}

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

export function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

/** `20261121T101500Z` -> epoch ms. */
export function parseAmzDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

export function isoBasic(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function fromHttpDate(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : isoBasic(t);
}
