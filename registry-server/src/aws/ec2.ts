import type { EC2Client, Image } from '@aws-sdk/client-ec2';
import type { AwsConfig } from '../config/config.js';
import { quietSdkNodeWarning } from '../config/env.js';

/**
 * The SDK is loaded on first use: it takes seconds to import, and `migrate`, `--help` or a
 * registry without AWS never need it.
 */
type Sdk = { ec2: typeof import('@aws-sdk/client-ec2'); sts: typeof import('@aws-sdk/client-sts') };
let sdk: Promise<Sdk> | null = null;
const loadSdk = (): Promise<Sdk> => {
  quietSdkNodeWarning();
  sdk ??= Promise.all([import('@aws-sdk/client-ec2'), import('@aws-sdk/client-sts')]).then(([ec2, sts]) => ({
    ec2,
    sts,
  }));
  return sdk;
};

/** What the registry reads about one image in one region. */
export interface ImageFacts {
  imageId: string;
  ownerId: string | null;
  state: string;
  public: boolean;
  architecture: string | null;
  rootDeviceType: string | null;
  name: string | null;
  stateReason: string | null;
  deprecationTime: string | null;
}

/**
 * An AWS call that failed. credentials: the registry's own identity was refused (not the
 * image's fault); transient: throttling, network or a server error, try again later;
 * other: anything else AWS said.
 */
export class AwsCallError extends Error {
  constructor(
    readonly kind: 'credentials' | 'transient' | 'other',
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AwsCallError';
  }
}

const CREDENTIAL_CODES = new Set([
  'AuthFailure',
  'UnauthorizedOperation',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'RequestExpired',
  'UnrecognizedClientException',
  'CredentialsProviderError',
  'OptInRequired',
]);
const TRANSIENT_CODES = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'ServiceUnavailable',
  'Unavailable',
  'InternalError',
  'TimeoutError',
  'RequestTimeout',
]);

export function classify(err: unknown, what: string): AwsCallError {
  const e = err as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const code = e.Code ?? e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const message = `${what}: ${code}: ${e.message ?? 'failed'}`;
  if (CREDENTIAL_CODES.has(code)) return new AwsCallError('credentials', code, message);
  if (TRANSIENT_CODES.has(code) || status === undefined || status >= 500) {
    return new AwsCallError('transient', code, message);
  }
  return new AwsCallError('other', code, message);
}

/**
 * The registry's own EC2 and STS calls, with its own credentials (the SDK's default chain,
 * or keys from the config in tests). Only reads: DescribeImages, DescribeImageAttribute,
 * GetCallerIdentity.
 */
export class Ec2Reader {
  #clients = new Map<string, EC2Client>();

  constructor(private readonly aws: AwsConfig) {}

  /** Settings both clients share; plain values, so that EC2 and STS configs both accept them. */
  #base(region: string) {
    const creds = this.aws.credentials;
    return {
      region,
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 5000, requestTimeout: 15_000 },
      ...(this.aws.endpoint ? { endpoint: this.aws.endpoint } : {}),
      ...(creds ? { credentials: creds } : {}),
    };
  }

  async #ec2(region: string): Promise<{ client: EC2Client; api: Sdk['ec2'] }> {
    const { ec2: api } = await loadSdk();
    let client = this.#clients.get(region);
    if (!client) {
      client = new api.EC2Client(this.#base(region));
      this.#clients.set(region, client);
    }
    return { client, api };
  }

  /**
   * Checks once that the registry has usable credentials and learns its own account.
   * Returns the account (null when STS could not say) or throws AwsCallError('credentials').
   */
  async probe(timeoutMs = 8000): Promise<string | null> {
    const { sts: api } = await loadSdk();
    const sts = new api.STSClient({ ...this.#base('us-east-1'), maxAttempts: 1 });
    try {
      const credentials = sts.config.credentials;
      await withTimeout(credentials(), timeoutMs, 'resolving credentials');
    } catch (err) {
      sts.destroy();
      throw new AwsCallError(
        'credentials',
        'CredentialsProviderError',
        `no AWS credentials: ${(err as Error).message}`,
      );
    }
    try {
      const me = await withTimeout(sts.send(new api.GetCallerIdentityCommand({})), timeoutMs, 'GetCallerIdentity');
      return me.Account ?? null;
    } catch (err) {
      const e = classify(err, 'GetCallerIdentity');
      if (e.kind === 'credentials') throw e;
      return null; // STS unreachable: EC2 may still answer; verification finds out per call.
    } finally {
      sts.destroy();
    }
  }

  /**
   * The images among `ids` that the registry can see in `region`, by id. An id missing from
   * the map is deregistered, or private and not shared with the registry's account. Uses the
   * image-id filter rather than ImageIds: one unknown id would otherwise fail the whole call.
   */
  async describeImages(region: string, ids: string[]): Promise<Map<string, ImageFacts>> {
    const found = new Map<string, ImageFacts>();
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      let token: string | undefined;
      do {
        let page: { Images?: Image[]; NextToken?: string };
        try {
          const { client, api } = await this.#ec2(region);
          page = await client.send(
            new api.DescribeImagesCommand({
              Filters: [{ Name: 'image-id', Values: chunk }],
              IncludeDeprecated: true,
              IncludeDisabled: true,
              NextToken: token,
            }),
          );
        } catch (err) {
          throw classify(err, `DescribeImages in ${region}`);
        }
        for (const img of page.Images ?? []) {
          if (!img.ImageId) continue;
          found.set(img.ImageId, {
            imageId: img.ImageId,
            ownerId: img.OwnerId ?? null,
            state: img.State ?? 'unknown',
            public: img.Public === true,
            architecture: img.Architecture ?? null,
            rootDeviceType: img.RootDeviceType ?? null,
            name: img.Name ?? null,
            stateReason: img.StateReason?.Message ?? null,
            deprecationTime: img.DeprecationTime ?? null,
          });
        }
        token = page.NextToken;
      } while (token);
    }
    return found;
  }

  /**
   * Launch permissions of an image, when the registry may read them (EC2 lets only the
   * owner): null when it may not.
   */
  async launchPermissions(region: string, imageId: string): Promise<{ public: boolean; accounts: string[] } | null> {
    try {
      const { client, api } = await this.#ec2(region);
      const out = await client.send(
        new api.DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }),
      );
      const perms = out.LaunchPermissions ?? [];
      return {
        public: perms.some((p) => p.Group === 'all'),
        accounts: perms.map((p) => p.UserId).filter((u): u is string => Boolean(u)),
      };
    } catch (err) {
      const e = classify(err, `DescribeImageAttribute in ${region}`);
      if (e.kind === 'transient') throw e;
      return null;
    }
  }

  close(): void {
    for (const client of this.#clients.values()) client.destroy();
    this.#clients.clear();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
