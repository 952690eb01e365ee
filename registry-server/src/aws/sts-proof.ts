import { createHash } from 'node:crypto';
import { stsOriginAllowed } from '@cws/shared';

/**
 * Proof of an AWS account the Vault / aws-iam-authenticator way: the client signs
 * `sts:GetCallerIdentity` with its own keys, putting this registry's id in a signed header,
 * and hands the signed request to the registry, which sends it to STS unchanged. STS checks
 * the signature and answers with the caller's account and ARN. The registry never sees the
 * secret key, and a request signed for another registry (or altered) fails at STS.
 *
 * Everything STS cannot judge for us is checked here first: where the request goes (an
 * allow-listed STS origin, never anywhere else), what it asks (GetCallerIdentity and nothing
 * more), that the registry id is signed and ours, and that it is fresh.
 */

export interface SignedRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** invalid: not a GetCallerIdentity proof at all (400). refused: a proof we do not accept (401). */
export class ProofRejected extends Error {
  constructor(
    readonly kind: 'invalid' | 'refused',
    message: string,
  ) {
    super(message);
    this.name = 'ProofRejected';
  }
}

export interface CheckedProof {
  method: 'GET' | 'POST';
  url: string;
  /** Only what STS needs: the signed headers, authorization and content-type. */
  headers: Record<string, string>;
  body: string | undefined;
  /** Identifies this signed request, to refuse a second use. */
  fingerprint: string;
  signedAt: Date;
}

export interface ProofPolicy {
  stsEndpoints: string[];
  registryId: string;
  registryHeader: string;
  maxAgeMs: number;
  now?: number;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const AUTH_PARAMS = new Set([
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
]);
/** Headers the client may send besides the signed ones; anything else is dropped, never forwarded. */
const PASS_THROUGH = new Set(['authorization', 'content-type', 'x-amz-content-sha256']);
/** Hop-by-hop or computed by our HTTP client: never forwarded even when signed. */
const NOT_FORWARDED = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'accept-encoding']);

/** The allow-list matcher is shared with the CLI, which checks before it signs. */
export { stsOriginAllowed };

export function checkProof(req: SignedRequest, policy: ProofPolicy): CheckedProof {
  const invalid = (m: string) => new ProofRejected('invalid', m);
  const refused = (m: string) => new ProofRejected('refused', m);
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    throw invalid('url is not an absolute URL');
  }
  if (url.username || url.password || url.hash) throw invalid('url must not carry credentials or a fragment');
  if (!stsOriginAllowed(url, policy.stsEndpoints)) {
    throw invalid(
      `${url.protocol}//${url.host} is not an STS endpoint this registry sends proofs to (allowed: ${policy.stsEndpoints.join(', ')})`,
    );
  }
  if (url.pathname !== '/') throw invalid('the STS request path must be /');

  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(req.headers)) {
    const lower = name.toLowerCase();
    if (headers.has(lower)) throw invalid(`header ${lower} is given twice`);
    headers.set(lower, value);
  }
  if (headers.has('host') && headers.get('host')!.toLowerCase() !== url.host.toLowerCase()) {
    throw invalid('the host header does not match the url');
  }

  // What the request asks: Action=GetCallerIdentity, Version=2011-06-15, and SigV4 parameters.
  const query = [...url.searchParams];
  const formType = (headers.get('content-type') ?? '').toLowerCase();
  let form: Array<[string, string]> = [];
  if (req.method === 'POST') {
    if (!formType.startsWith('application/x-www-form-urlencoded')) {
      throw invalid('a POST proof needs content-type application/x-www-form-urlencoded');
    }
    form = [...new URLSearchParams(req.body ?? '')];
  } else if (req.body) {
    throw invalid('a GET proof has no body');
  }
  const presigned = query.some(([k]) => k === 'X-Amz-Algorithm');
  for (const [key] of query) {
    if (AUTH_PARAMS.has(key) && presigned) continue;
    if (req.method === 'GET' && (key === 'Action' || key === 'Version')) continue;
    throw invalid(`query parameter ${key} is not allowed in a GetCallerIdentity proof`);
  }
  for (const [key] of form) {
    if (key !== 'Action' && key !== 'Version') throw invalid(`body parameter ${key} is not allowed in a proof`);
  }
  const params = req.method === 'GET' ? query : form;
  const actions = params.filter(([k]) => k === 'Action').map(([, v]) => v);
  if (actions.length !== 1) throw invalid('the request must name exactly one Action');
  if (actions[0] !== 'GetCallerIdentity') {
    throw invalid(`only sts:GetCallerIdentity proves an account; this request asks for ${actions[0]}`);
  }
  const versions = params.filter(([k]) => k === 'Version').map(([, v]) => v);
  if (versions.length !== 1 || versions[0] !== '2011-06-15') throw invalid('the request must say Version=2011-06-15');

  // How it is signed: presigned query, or an Authorization header.
  let credential: string | null;
  let signedHeaders: string[];
  let amzDate: string | null;
  let signature: string | null;
  let expiresSec: number | null = null;
  if (presigned) {
    const q = url.searchParams;
    if (q.get('X-Amz-Algorithm') !== ALGORITHM) throw invalid(`X-Amz-Algorithm must be ${ALGORITHM}`);
    if (headers.has('authorization')) throw invalid('a presigned request carries no authorization header');
    credential = q.get('X-Amz-Credential');
    signedHeaders = (q.get('X-Amz-SignedHeaders') ?? '').split(';');
    amzDate = q.get('X-Amz-Date');
    signature = q.get('X-Amz-Signature');
    const expires = q.get('X-Amz-Expires');
    if (expires !== null) {
      expiresSec = Number(expires);
      if (!Number.isInteger(expiresSec) || expiresSec < 1) throw invalid('X-Amz-Expires must be a number of seconds');
    }
  } else {
    const auth = headers.get('authorization');
    if (!auth?.startsWith(`${ALGORITHM} `)) {
      throw invalid(`the request is not signed: no presigned query and no ${ALGORITHM} authorization header`);
    }
    const fields = new Map<string, string>();
    for (const part of auth.slice(ALGORITHM.length + 1).split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    credential = fields.get('Credential') ?? null;
    signedHeaders = (fields.get('SignedHeaders') ?? '').split(';');
    signature = fields.get('Signature') ?? null;
    amzDate = headers.get('x-amz-date') ?? null;
  }
  if (!credential || !signature || !amzDate) throw invalid('the signature is incomplete (credential, signature, date)');
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[3] !== 'sts' || scope[4] !== 'aws4_request') {
    throw invalid('the request must be signed for the sts service');
  }
  signedHeaders = signedHeaders.map((h) => h.trim().toLowerCase());
  if (!signedHeaders.includes('host')) throw invalid('host must be a signed header');
  const header = policy.registryHeader;
  if (!signedHeaders.includes(header)) {
    throw refused(`${header} must be one of the signed headers, so that the proof only works at this registry`);
  }
  for (const name of signedHeaders) {
    if (name !== 'host' && !headers.has(name)) throw invalid(`signed header ${name} is missing from headers`);
  }
  const claimed = headers.get(header)!.trim();
  if (claimed !== policy.registryId) {
    throw refused(`the proof was signed for registry "${claimed}", not this one ("${policy.registryId}")`);
  }

  // Freshness: at most maxAge old (and not from the future), whatever X-Amz-Expires says.
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) throw invalid(`X-Amz-Date "${amzDate}" is not a date like 20261122T101500Z`);
  if (scope[1] !== amzDate.slice(0, 8)) throw invalid('the credential scope date does not match X-Amz-Date');
  const now = policy.now ?? Date.now();
  const maxMin = Math.round(policy.maxAgeMs / 60_000);
  if (now - signedAt > policy.maxAgeMs) {
    throw refused(`the proof was signed at ${iso(signedAt)}, more than ${maxMin} minutes ago; sign a new one`);
  }
  if (signedAt - now > policy.maxAgeMs) {
    throw refused(`the proof is dated ${iso(signedAt)}, in the future; check the clock`);
  }
  if (expiresSec !== null && now > signedAt + expiresSec * 1000) {
    throw refused(`the presigned request expired at ${iso(signedAt + expiresSec * 1000)}`);
  }

  const forward: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (NOT_FORWARDED.has(name)) continue;
    if (signedHeaders.includes(name) || PASS_THROUGH.has(name)) forward[name] = value;
  }
  return {
    method: req.method,
    url: req.url,
    headers: forward,
    body: req.method === 'POST' ? (req.body ?? '') : undefined,
    fingerprint: createHash('sha256').update(`${credential}\n${signature}`).digest('hex'),
    signedAt: new Date(signedAt),
  };
}

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string | null;
}

/** STS answered, but not with an identity: the signature, key or token was refused. */
export class StsRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StsRefused';
  }
}
/** STS could not be reached or answered with a server error. */
export class StsUnreachable extends Error {
  override name = 'StsUnreachable';
}

/** Sends a checked proof to STS as it is and reads the identity from the answer (JSON or XML). */
export async function forwardProof(proof: CheckedProof, timeoutMs = 10_000): Promise<CallerIdentity> {
  const headers = { ...proof.headers };
  if (!('accept' in headers)) headers.accept = 'application/json';
  let res: Response;
  try {
    res = await fetch(proof.url, {
      method: proof.method,
      headers,
      body: proof.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new StsUnreachable(`STS did not answer: ${(err as Error).message}`);
  }
  const text = await res.text();
  if (res.status >= 500) throw new StsUnreachable(`STS answered ${res.status}`);
  const found = readIdentity(text);
  if (res.status !== 200 || !found) {
    const code = pick(text, 'Code') ?? `HTTP ${res.status}`;
    const message = pick(text, 'Message') ?? 'no identity in the answer';
    throw new StsRefused(code, `${code}: ${message}`);
  }
  if (
    !/^[0-9]{12}$/.test(found.account) ||
    !found.arn.startsWith('arn:') ||
    !found.arn.includes(`:${found.account}:`)
  ) {
    throw new StsRefused('InvalidIdentity', 'STS answered with an identity that does not look like an AWS account');
  }
  return found;
}

function readIdentity(text: string): CallerIdentity | null {
  try {
    const json = JSON.parse(text) as {
      GetCallerIdentityResponse?: { GetCallerIdentityResult?: { Account?: string; Arn?: string; UserId?: string } };
    };
    const r = json.GetCallerIdentityResponse?.GetCallerIdentityResult;
    if (r?.Account && r.Arn) return { account: String(r.Account), arn: r.Arn, userId: r.UserId ?? null };
    return null;
  } catch {
    // Not JSON: STS's XML.
  }
  if (!text.includes('<GetCallerIdentityResult>')) return null;
  const account = pick(text, 'Account');
  const arn = pick(text, 'Arn');
  return account && arn ? { account, arn, userId: pick(text, 'UserId') } : null;
}

/** One value from STS's JSON error or XML answer. */
function pick(text: string, field: string): string | null {
  const xml = new RegExp(`<${field}>([^<]*)</${field}>`).exec(text);
  if (xml) return decodeXml(xml[1]!);
  const json = new RegExp(`"${field}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)"`).exec(text);
  return json ? JSON.parse(`"${json[1]}"`) : null;
}

function decodeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** `20261121T101500Z` -> epoch ms. */
function parseAmzDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
