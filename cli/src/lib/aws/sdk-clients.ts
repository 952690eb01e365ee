import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { toAwsError } from './gateway.js';

/**
 * The SDK clients of the AWS gateway: the only place the CLI makes them. The SDK is imported on first use only
 * (`cws --version` and registry-only commands never load it). Credentials, region and endpoint come from the SDK's
 * standard chain (env, profiles, SSO; AWS_ENDPOINT_URL). One client per service, region and kind of call.
 */
interface CallLimits {
  /** Per HTTP request; the SDK retries within maxAttempts. */
  requestTimeoutMs: number;
  maxAttempts: number;
}

/** Lookups sit inside the resolver's tier timeouts: fail fast. Changes (run, create, copy, share) may take longer. */
const LIMITS = {
  lookup: { requestTimeoutMs: 5000, maxAttempts: 2 },
  change: { requestTimeoutMs: 20_000, maxAttempts: 3 },
} satisfies Record<string, CallLimits>;
export type Kind = keyof typeof LIMITS;
export type Ec2Sdk = typeof import('@aws-sdk/client-ec2');

/**
 * The SDK warns on every run under Node 20 that its 2027 releases will need Node 22. cws supports Node 20 and the
 * user can do nothing about that notice, so it is turned off unless the user set the variable themselves.
 */
export function quietSdkNodeWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

export const tagMap = (tags: { Key?: string | undefined; Value?: string | undefined }[] | undefined) =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key).map((t) => [t.Key as string, t.Value ?? '']));
export const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

export class SdkClients {
  readonly #ec2 = new Map<string, Promise<EC2Client>>();
  readonly #ssm = new Map<string, Promise<SSMClient>>();
  #ec2Sdk: Promise<Ec2Sdk> | undefined;

  constructor() {
    quietSdkNodeWarning();
  }

  config(region: string | undefined, kind: Kind) {
    const limits = LIMITS[kind];
    return {
      ...(region ? { region } : {}),
      maxAttempts: limits.maxAttempts,
      requestHandler: {
        connectionTimeout: Math.min(3000, limits.requestTimeoutMs),
        requestTimeout: limits.requestTimeoutMs,
      },
    };
  }

  ec2Sdk(): Promise<Ec2Sdk> {
    this.#ec2Sdk ??= import('@aws-sdk/client-ec2');
    return this.#ec2Sdk;
  }

  ec2(region: string, kind: Kind = 'lookup'): Promise<EC2Client> {
    const key = `${kind}:${region}`;
    let client = this.#ec2.get(key);
    if (!client) {
      client = this.ec2Sdk().then((m) => new m.EC2Client(this.config(region, kind)));
      this.#ec2.set(key, client);
    }
    return client;
  }

  ssm(region: string, kind: Kind = 'lookup'): Promise<SSMClient> {
    const key = `${kind}:${region}`;
    let client = this.#ssm.get(key);
    if (!client) {
      client = import('@aws-sdk/client-ssm').then((m) => new m.SSMClient(this.config(region, kind)));
      this.#ssm.set(key, client);
    }
    return client;
  }

  /** Sends one EC2 command; SDK errors become AwsErrors that name the action and region. */
  async sendEc2<T>(region: string, action: string, make: (m: Ec2Sdk) => unknown): Promise<T> {
    const m = await this.ec2Sdk();
    const client = await this.ec2(region, 'change');
    try {
      // biome-ignore lint/suspicious/noExplicitAny: one send() for many command types
      return (await client.send(make(m) as any)) as T;
    } catch (err) {
      throw toAwsError(err, `ec2:${action}`, region);
    }
  }
}
