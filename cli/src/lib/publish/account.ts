import { type AwsAuthInfo, type AwsProofResult, type RegistryClient, stsOriginAllowed } from '@cws/shared';
import { presignProof, stsEndpoint } from '../aws/proof.js';
import type { RegistryEntry } from '../config.js';
import type { CliContext } from '../context.js';
import { CwsError } from '../errors.js';
import { clientFor, loginSuggestions, registryFailure } from '../registries.js';

/** The proof involves a round trip to STS from the registry: give it longer than an ordinary call. */
const PROOF_TIMEOUT_MS = 20_000;

export interface ProvenAccount {
  info: AwsAuthInfo;
  proof: AwsProofResult;
  client: RegistryClient;
}

/**
 * Proves the AWS account of the current credentials to a registry: with a token, links it to that user; without,
 * logs in (the answer carries a new token).
 */
export async function proveAccount(
  ctx: CliContext,
  entry: RegistryEntry,
  token: string | undefined,
  regionFlag?: string,
): Promise<ProvenAccount> {
  const timeoutMs = Math.max(ctx.registryTimeoutMs ?? 0, PROOF_TIMEOUT_MS);
  const client = clientFor(entry, { timeoutMs, retries: 0 }, token);
  const info = await client.awsAuthInfo().catch((err) => {
    if ((err as { status?: number }).status === 404) {
      throw new CwsError(`${entry.name} does not accept AWS account proofs (no /api/v1/auth/aws)`, {
        code: 'aws_proof_unsupported',
        suggestions: loginSuggestions(entry),
      });
    }
    throw registryFailure(err, entry, 'ask how to prove an AWS account');
  });
  // STS answers in every region; the user's region keeps the request close, us-east-1 when none is named.
  const region = (await ctx.region(regionFlag)) ?? 'us-east-1';
  const endpoint = stsEndpoint(ctx.env, region);
  if (!stsOriginAllowed(new URL(endpoint), info.sts_endpoints)) {
    throw new CwsError(
      `${entry.name} only accepts proofs signed for ${info.sts_endpoints.join(', ')}, not ${new URL(endpoint).origin}`,
      {
        code: 'sts_endpoint_not_allowed',
        suggestions: ['unset AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL, or use a region whose STS endpoint it allows'],
      },
    );
  }
  const sign = async () => presignProof(await ctx.aws(), ctx.env, region, info.registry_id);
  const proof = await client
    .proveAwsAccount(await sign())
    .catch(async (err) => {
      // SigV4 dates are to the second: a proof signed in the same second as the last one (cws login --aws, then
      // publish) is the same request, which the registry refuses as a replay. Sign again in the next second.
      const e = err as { status?: number; message?: string };
      if (e.status !== 401 || !/used already/.test(e.message ?? '')) throw err;
      await new Promise((r) => setTimeout(r, 1050 - (Date.now() % 1000)));
      return client.proveAwsAccount(await sign());
    })
    .catch((err) => {
      const e = err as { status?: number; message?: string };
      if (e.status === 401 || e.status === 403 || e.status === 409) {
        throw new CwsError(`${entry.name} refused the AWS account proof: ${e.message}`, {
          code: 'aws_proof_refused',
          suggestions:
            e.status === 409
              ? ['this AWS account belongs to another user of the registry; log in as that user']
              : ['check your AWS credentials (aws sts get-caller-identity) and the clock, then try again'],
        });
      }
      throw registryFailure(err, entry, 'prove the AWS account');
    });
  return { info, proof, client };
}
