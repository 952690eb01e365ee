import { describe, expect, it } from 'vitest';
import { checkStsEndpoint, DEFAULT_STS_ENDPOINTS } from '../config/config.js';
import { handleFromArn } from '../services/aws-accounts.js';
import { checkProof, ProofRejected, stsOriginAllowed } from './sts-proof.js';

const allowed = (url: string) => stsOriginAllowed(new URL(url), DEFAULT_STS_ENDPOINTS);

describe('STS allow-list', () => {
  it('accepts the global and regional STS hosts over https only', () => {
    expect(allowed('https://sts.amazonaws.com/')).toBe(true);
    expect(allowed('https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity')).toBe(true);
    expect(allowed('https://STS.US-EAST-2.amazonaws.com/')).toBe(true);
    expect(allowed('http://sts.amazonaws.com/')).toBe(false);
    expect(allowed('https://sts.amazonaws.com:8443/')).toBe(false);
    expect(allowed('https://sts.evil.example.amazonaws.com/')).toBe(false); // * is one label
    expect(allowed('https://sts.amazonaws.com.evil.example/')).toBe(false);
    expect(allowed('https://evilsts.amazonaws.com/')).toBe(false);
  });

  it('reads CWS_REGISTRY_STS_ENDPOINTS entries as origins', () => {
    expect(checkStsEndpoint('sts.cn-north-1.amazonaws.com.cn')).toBe('https://sts.cn-north-1.amazonaws.com.cn');
    expect(checkStsEndpoint('http://127.0.0.1:4566/')).toBe('http://127.0.0.1:4566');
    expect(() => checkStsEndpoint('https://sts.amazonaws.com/path')).toThrow(/not an origin/);
    expect(() => checkStsEndpoint('ftp://sts.amazonaws.com')).toThrow(/not an origin/);
  });
});

describe('checkProof', () => {
  const now = Date.UTC(2026, 10, 22, 10, 0, 0);
  const policy = {
    stsEndpoints: DEFAULT_STS_ENDPOINTS,
    registryId: 'reg.example',
    registryHeader: 'x-cws-registry-id',
    maxAgeMs: 15 * 60_000,
    now,
  };
  const presigned = (extra = '', headers: Record<string, string> = { 'x-cws-registry-id': 'reg.example' }) => ({
    method: 'GET' as const,
    url: `https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20261122%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20261122T095500Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-cws-registry-id&X-Amz-Signature=abc${extra}`,
    headers,
  });
  const reason = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      if (err instanceof ProofRejected) return `${err.kind}: ${err.message}`;
      throw err;
    }
    return 'accepted';
  };

  it('accepts a fresh presigned request and forwards only what STS needs', () => {
    const out = checkProof(
      { ...presigned(), headers: { 'X-Cws-Registry-Id': 'reg.example', cookie: 'x' } },
      {
        ...policy,
        now: now - 5 * 60_000 + 30_000,
      },
    );
    expect(out.headers).toEqual({ 'x-cws-registry-id': 'reg.example' });
    expect(out.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names what is wrong', () => {
    expect(reason(() => checkProof(presigned(), { ...policy, now: now + 20 * 60_000 }))).toMatch(
      /^refused: .*more than 15 minutes ago/,
    );
    expect(reason(() => checkProof(presigned('&Action=AssumeRole'), policy))).toMatch(/^invalid: .*exactly one Action/);
    expect(reason(() => checkProof(presigned('', { 'x-cws-registry-id': 'other' }), policy))).toMatch(
      /^refused: the proof was signed for registry "other"/,
    );
    expect(reason(() => checkProof(presigned('', {}), policy))).toMatch(/signed header x-cws-registry-id is missing/);
    const elsewhere = { ...presigned(), url: presigned().url.replace('sts.amazonaws.com', '169.254.169.254') };
    expect(reason(() => checkProof(elsewhere, policy))).toMatch(/^invalid: http.* is not an STS endpoint/);
    const ec2 = { ...presigned(), url: presigned().url.replace('%2Fsts%2F', '%2Fec2%2F') };
    expect(reason(() => checkProof(ec2, policy))).toMatch(/signed for the sts service/);
  });
});

describe('handles from ARNs', () => {
  it('uses the IAM user, the SSO session or the role, else aws-ACCOUNT', () => {
    expect(handleFromArn('arn:aws:iam::111111111111:user/path/Alice.Smith', '111111111111')).toBe('alice-smith');
    expect(handleFromArn('arn:aws:sts::1:assumed-role/AWSReservedSSO_Dev_1/jane@example.org', '1')).toBe('jane');
    expect(handleFromArn('arn:aws:sts::1:assumed-role/BuildRole/i-0123456789abcdef0', '1')).toBe('buildrole');
    expect(handleFromArn('arn:aws:iam::111111111111:root', '111111111111')).toBe('aws-111111111111');
    expect(handleFromArn('arn:aws:iam::1:user/___', '1')).toBe('aws-1');
  });
});
