import { type AwsProofBody, REGISTRY_ID_HEADER } from '@cws/shared';
import type { CwsEnv } from '../env.js';
import { CwsError } from '../errors.js';
import type { AwsGateway } from './gateway.js';

/**
 * A proof of the AWS account for a registry: `sts:GetCallerIdentity`, presigned with the user's own credentials and
 * the registry's id in a signed `x-cws-registry-id` header. The registry forwards it to STS; it never sees the secret
 * key, and the proof works only at that registry, once, for a few minutes.
 */
export function stsEndpoint(env: CwsEnv, region: string): string {
  return (env.AWS_ENDPOINT_URL_STS ?? env.AWS_ENDPOINT_URL ?? `https://sts.${region}.amazonaws.com`).replace(
    /\/+$/,
    '',
  );
}

const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export async function presignProof(
  aws: Pick<AwsGateway, 'credentials'>,
  env: CwsEnv,
  region: string,
  registryId: string,
): Promise<AwsProofBody> {
  const [credentials, { SignatureV4 }, { Hash }] = await Promise.all([
    aws.credentials(region),
    import('@smithy/signature-v4'),
    import('@smithy/hash-node'),
  ]);
  const url = new URL(stsEndpoint(env, region));
  const signer = new SignatureV4({
    service: 'sts',
    region,
    credentials,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: true,
  });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: url.host, [REGISTRY_ID_HEADER]: registryId },
    },
    { expiresIn: 300 },
  );
  const query = Object.entries(signed.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : v === null ? [] : [[k, v]]))
    .map(([k, v]) => `${rfc3986(k as string)}=${rfc3986(v as string)}`)
    .join('&');
  if (!query.includes('X-Amz-Signature=')) {
    throw new CwsError('could not sign the AWS account proof', { code: 'proof_unsigned' });
  }
  return {
    method: 'GET',
    url: `${url.protocol}//${url.host}/?${query}`,
    headers: { [REGISTRY_ID_HEADER]: registryId },
  };
}
