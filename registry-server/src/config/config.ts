import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Env } from './env.js';
import {
  checkIdpId,
  DEFAULT_ATTRIBUTES,
  DEFAULT_ROLES,
  parseRoleMap,
  readIdpsFile,
  type SamlConfig,
  splitList,
} from './saml.js';

export type DatabaseConfig =
  | { kind: 'pglite'; dataDir: string | null /* null: in memory (tests) */ }
  | {
      kind: 'postgres';
      url: string;
      poolMax: number;
      /** Longest a statement may run (server-side), and the client's wait for an answer past it. Unset: none. */
      statementTimeoutMs?: number;
      /** Longest to wait for a connection (new or from the pool). Unset: 5 s. */
      connectTimeoutMs?: number;
    };

export interface CacheSettings {
  ttlSeconds: number;
  /** Bound of the in-process tier, in bytes of JSON. */
  maxBytes: number;
  /** Answers larger than this (JSON bytes) are not cached in either tier. */
  maxEntryBytes: number;
}

export type AwsKeys = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** AWS: account proofs (STS forwarding) and verification of published AMIs (the server's own calls). */
export interface AwsConfig {
  /** false: never call EC2; versions stay unverified (CWS_REGISTRY_AWS=false). */
  verify: boolean;
  /** Endpoint of the server's own EC2/STS calls (AWS_ENDPOINT_URL); null: AWS. */
  endpoint: string | null;
  /** The server's own credentials; null: the AWS SDK's default chain. Tests pass keys. */
  credentials: AwsKeys | (() => Promise<AwsKeys>) | null;
  /** Origins (scheme://host[:port]) a proof may be sent to; `*` stands for one DNS label. */
  stsEndpoints: string[];
  /** Value proofs must sign in x-cws-registry-id. */
  registryId: string;
  /** Seconds between scheduled re-verifications; 0: none. */
  verifyIntervalSeconds: number;
  /** A proof from an unknown account creates a user. */
  signup: boolean;
}

export const DEFAULT_STS_ENDPOINTS = ['https://sts.amazonaws.com', 'https://sts.*.amazonaws.com'];

/** The job runner: whether this process runs jobs, and how long it holds one between heartbeats. */
export interface JobsConfig {
  worker: boolean;
  leaseSeconds: number;
  /** How often an idle worker looks for due jobs (jobs queued by this process wake it at once). */
  pollMs: number;
}

export interface ScanConfig {
  enabled: boolean;
  /** null: every region. */
  regions: string[] | null;
  /** false: only EC2 GetImageFindings, never a scan instance. */
  instances: boolean;
  instanceTypes: { x86_64: string; arm64: string };
  /** region -> subnet of scan instances; a region without one uses the default VPC. */
  subnets: Record<string, string>;
  maxInstances: number;
  timeoutSeconds: number;
  enableInspector: boolean;
  rescanLatestSeconds: number;
  rescanOlderSeconds: number;
  /** Seconds between ListCoverage polls while Inspector scans the instance. */
  pollSeconds: number;
}

export interface Config {
  http: { host: string; port: number; publicUrl: string | null; bodyLimit: string; trustProxy: boolean | number };
  db: DatabaseConfig;
  redis: { url: string; prefix: string } | null;
  adminToken: string | null;
  cache: CacheSettings;
  rateLimit: { readPerMinute: number; writePerMinute: number };
  demo: boolean;
  logLevel: string;
  aws: AwsConfig;
  /** SAML single sign-on; null: off. */
  saml: SamlConfig | null;
  jobs: JobsConfig;
  scan: ScanConfig;
  /** public: anyone reads; signed-in: every read needs a token or a session (CWS_REGISTRY_READ). */
  access: { read: 'public' | 'signed-in' };
  /** Mirroring another registry's public export on a schedule; url null: off. */
  mirror: { url: string | null; intervalSeconds: number; token: string | null };
}

/** Where the embedded database lives when CWS_REGISTRY_DATA is unset (XDG data dir). */
export function defaultDataDir(env: { XDG_DATA_HOME?: string } = {}): string {
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'cws-registry');
}

/** Fills defaults and rejects bad combinations. Tests call it with a partial Env and overrides. */
export function buildConfig(env: Env, overrides: Partial<Config> = {}): Config {
  const db: DatabaseConfig = env.DATABASE_URL
    ? {
        kind: 'postgres',
        url: env.DATABASE_URL,
        poolMax: env.DATABASE_POOL_MAX ?? 10,
        statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT ?? 10_000,
        connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT ?? 5000,
      }
    : { kind: 'pglite', dataDir: env.CWS_REGISTRY_DATA ?? defaultDataDir(env) };
  if (env.DATABASE_URL && env.CWS_REGISTRY_DATA) {
    throw new Error('set either DATABASE_URL (a PostgreSQL server) or CWS_REGISTRY_DATA (embedded), not both');
  }
  const trust = env.CWS_REGISTRY_TRUST_PROXY;
  const config: Config = {
    http: {
      host: env.HOST ?? '127.0.0.1',
      port: env.PORT ?? 8948,
      publicUrl: env.CWS_REGISTRY_PUBLIC_URL ?? null,
      bodyLimit: env.CWS_REGISTRY_BODY_LIMIT ?? '256kb',
      trustProxy: trust === undefined || trust === 'false' ? false : trust === 'true' ? true : Number(trust),
    },
    db,
    redis: env.REDIS_URL ? { url: env.REDIS_URL, prefix: env.CWS_REGISTRY_REDIS_PREFIX ?? 'cws:' } : null,
    adminToken: env.CWS_REGISTRY_ADMIN_TOKEN ?? null,
    cache: cacheSettings(env.CWS_REGISTRY_CACHE_TTL ?? 60, env.CWS_REGISTRY_CACHE_MAX_MB ?? 32),
    rateLimit: {
      readPerMinute: env.CWS_REGISTRY_RATE_LIMIT_READ ?? 600,
      writePerMinute: env.CWS_REGISTRY_RATE_LIMIT_WRITE ?? 60,
    },
    demo: env.CWS_REGISTRY_DEMO ?? db.kind === 'pglite',
    logLevel: env.CWS_REGISTRY_LOG_LEVEL ?? 'info',
    aws: awsConfig(env),
    saml: samlConfig(env),
    jobs: { worker: env.CWS_REGISTRY_WORKER ?? true, leaseSeconds: env.CWS_REGISTRY_JOB_LEASE ?? 60, pollMs: 1000 },
    scan: scanConfig(env),
    access: { read: env.CWS_REGISTRY_READ ?? 'public' },
    mirror: {
      url: env.CWS_REGISTRY_MIRROR_URL ?? null,
      intervalSeconds: env.CWS_REGISTRY_MIRROR_INTERVAL ?? 86400,
      token: env.CWS_REGISTRY_MIRROR_TOKEN ?? null,
    },
    ...overrides,
  };
  return config;
}

/** The cache's bounds from its memory budget: no single answer may take more than 1/64 of it. */
export function cacheSettings(ttlSeconds: number, maxMb: number): CacheSettings {
  const maxBytes = maxMb * 1024 * 1024;
  return { ttlSeconds, maxBytes, maxEntryBytes: Math.min(512 * 1024, Math.floor(maxBytes / 64)) };
}

function samlConfig(env: Env): SamlConfig | null {
  const single = env.CWS_REGISTRY_SAML_IDP_METADATA;
  const file = env.CWS_REGISTRY_SAML_IDPS;
  if (!single && !file) return null;
  if (single && file) {
    throw new Error(
      'set either CWS_REGISTRY_SAML_IDP_METADATA (one IdP) or CWS_REGISTRY_SAML_IDPS (a file of several), not both',
    );
  }
  if (!env.CWS_REGISTRY_PUBLIC_URL) {
    throw new Error('SAML needs CWS_REGISTRY_PUBLIC_URL: the IdP sends people back to PUBLIC_URL/saml/acs, exactly');
  }
  if (Boolean(env.CWS_REGISTRY_SAML_SP_KEY) !== Boolean(env.CWS_REGISTRY_SAML_SP_CERT)) {
    throw new Error('set both CWS_REGISTRY_SAML_SP_KEY and CWS_REGISTRY_SAML_SP_CERT, or neither');
  }
  const defaults = {
    attributes: {
      id: env.CWS_REGISTRY_SAML_ATTR_ID ? splitList(env.CWS_REGISTRY_SAML_ATTR_ID) : DEFAULT_ATTRIBUTES.id,
      name: env.CWS_REGISTRY_SAML_ATTR_NAME ? splitList(env.CWS_REGISTRY_SAML_ATTR_NAME) : DEFAULT_ATTRIBUTES.name,
      mail: env.CWS_REGISTRY_SAML_ATTR_MAIL ? splitList(env.CWS_REGISTRY_SAML_ATTR_MAIL) : DEFAULT_ATTRIBUTES.mail,
      groups: env.CWS_REGISTRY_SAML_ATTR_GROUPS
        ? splitList(env.CWS_REGISTRY_SAML_ATTR_GROUPS)
        : DEFAULT_ATTRIBUTES.groups,
    },
    roles: env.CWS_REGISTRY_SAML_ROLES ? parseRoleMap(env.CWS_REGISTRY_SAML_ROLES) : DEFAULT_ROLES,
    idpInitiated: env.CWS_REGISTRY_SAML_IDP_INITIATED ?? false,
  };
  const idps = file
    ? readIdpsFile(file, defaults)
    : [
        {
          id: checkIdpId(env.CWS_REGISTRY_SAML_IDP_ID ?? 'idp', 'CWS_REGISTRY_SAML_IDP_ID'),
          label: env.CWS_REGISTRY_SAML_IDP_LABEL ?? 'your institution',
          metadata: single!,
          organisation: env.CWS_REGISTRY_SAML_IDP_ORG ?? null,
          ...defaults,
        },
      ];
  return {
    spEntityId: env.CWS_REGISTRY_SAML_SP_ENTITY_ID ?? null,
    spKeyFile: env.CWS_REGISTRY_SAML_SP_KEY ?? null,
    spCertFile: env.CWS_REGISTRY_SAML_SP_CERT ?? null,
    clockSkewSeconds: env.CWS_REGISTRY_SAML_CLOCK_SKEW ?? 60,
    wantResponseSigned: env.CWS_REGISTRY_SAML_WANT_RESPONSE_SIGNED ?? false,
    idps,
  };
}

function awsConfig(env: Env): AwsConfig {
  const stsEndpoints = env.CWS_REGISTRY_STS_ENDPOINTS
    ? env.CWS_REGISTRY_STS_ENDPOINTS.split(',')
        .map((e) => e.trim())
        .filter(Boolean)
        .map(checkStsEndpoint)
    : DEFAULT_STS_ENDPOINTS;
  const publicUrl = env.CWS_REGISTRY_PUBLIC_URL ?? `http://${env.HOST ?? '127.0.0.1'}:${env.PORT ?? 8948}`;
  return {
    verify: env.CWS_REGISTRY_AWS ?? true,
    endpoint: env.AWS_ENDPOINT_URL ?? null,
    credentials: null,
    stsEndpoints,
    registryId: env.CWS_REGISTRY_ID ?? new URL(publicUrl).host,
    verifyIntervalSeconds: env.CWS_REGISTRY_VERIFY_INTERVAL ?? 21600,
    signup: env.CWS_REGISTRY_AWS_SIGNUP ?? true,
  };
}

function pairs(value: string | undefined): Array<[string, string]> {
  if (!value) return [];
  return value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const [k, v] = p.split('=');
      return [k!.trim(), v!.trim()];
    });
}

function scanConfig(env: Env): ScanConfig {
  const types = Object.fromEntries(pairs(env.CWS_REGISTRY_SCAN_INSTANCE_TYPES));
  return {
    enabled: env.CWS_REGISTRY_SCAN ?? true,
    regions: env.CWS_REGISTRY_SCAN_REGIONS
      ? env.CWS_REGISTRY_SCAN_REGIONS.split(',')
          .map((r) => r.trim())
          .filter(Boolean)
      : null,
    instances: env.CWS_REGISTRY_SCAN_INSTANCES ?? true,
    instanceTypes: { x86_64: types['x86_64'] ?? 't3.small', arm64: types['arm64'] ?? 't4g.small' },
    subnets: Object.fromEntries(pairs(env.CWS_REGISTRY_SCAN_SUBNETS)),
    maxInstances: env.CWS_REGISTRY_SCAN_MAX_INSTANCES ?? 2,
    timeoutSeconds: env.CWS_REGISTRY_SCAN_TIMEOUT ?? 1800,
    enableInspector: env.CWS_REGISTRY_SCAN_ENABLE_INSPECTOR ?? false,
    rescanLatestSeconds: env.CWS_REGISTRY_RESCAN_LATEST ?? 86400,
    rescanOlderSeconds: env.CWS_REGISTRY_RESCAN_OLDER ?? 604800,
    pollSeconds: env.CWS_REGISTRY_SCAN_POLL ?? 30,
  };
}

/** An STS origin: scheme and host (port optional), nothing else; `https://` when no scheme is given. */
export function checkStsEndpoint(entry: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(entry) ? entry : `https://${entry}`;
  const m = /^(https?):\/\/([a-z0-9*.-]+|\[[0-9a-f:.]+\])(:[0-9]{1,5})?\/?$/i.exec(withScheme);
  if (!m) throw new Error(`CWS_REGISTRY_STS_ENDPOINTS: "${entry}" is not an origin such as https://sts.amazonaws.com`);
  return `${m[1]!.toLowerCase()}://${m[2]!.toLowerCase()}${m[3] ?? ''}`;
}
