import { z } from 'zod';

/**
 * The one place that reads process.env. Every setting the server understands is listed here
 * (name, meaning, default) and validated; `cws-registry --help` and the README print this list.
 */
export const ENV_DOCS: Array<{ name: string; default: string; description: string }> = [
  { name: 'HOST', default: '127.0.0.1', description: 'Interface to listen on (0.0.0.0 in a container).' },
  { name: 'PORT', default: '8948', description: 'TCP port (0 picks a free one).' },
  {
    name: 'CWS_REGISTRY_DATA',
    default: '<user data dir>/cws-registry',
    description: 'Folder of the embedded PGlite database when DATABASE_URL is unset.',
  },
  {
    name: 'DATABASE_URL',
    default: '(unset: embedded PGlite)',
    description: 'postgres://user@host:port/db of a PostgreSQL server.',
  },
  { name: 'DATABASE_POOL_MAX', default: '10', description: 'Connections to the PostgreSQL server per process.' },
  {
    name: 'DATABASE_STATEMENT_TIMEOUT',
    default: '10000',
    description:
      'Milliseconds a query may run on the PostgreSQL server (statement_timeout); an unanswered query fails a second later (503).',
  },
  {
    name: 'DATABASE_CONNECT_TIMEOUT',
    default: '5000',
    description: 'Milliseconds to wait for a PostgreSQL connection, new or from the pool, before answering 503.',
  },
  {
    name: 'REDIS_URL',
    default: '(unset: in-process cache and limiter)',
    description: 'redis://host:port for the shared cache, invalidation and rate limits.',
  },
  {
    name: 'CWS_REGISTRY_REDIS_PREFIX',
    default: 'cws:',
    description: 'Prefix of every Redis key and channel (to share one Redis).',
  },
  {
    name: 'CWS_REGISTRY_ADMIN_TOKEN',
    default: '(unset)',
    description: 'Bootstrap admin token; stored hashed at start for the user "admin". At least 24 characters.',
  },
  {
    name: 'CWS_REGISTRY_PUBLIC_URL',
    default: 'http://HOST:PORT',
    description: 'The URL users reach the registry at (links, OpenAPI servers).',
  },
  {
    name: 'CWS_REGISTRY_CACHE_TTL',
    default: '60',
    description: 'Seconds a cached answer lives (0 turns the cache off).',
  },
  {
    name: 'CWS_REGISTRY_CACHE_MAX_MB',
    default: '32',
    description:
      'Memory for cached answers in each process, in MB of JSON; answers larger than 1/64 of it (at most 512 KB) are not cached.',
  },
  {
    name: 'CWS_REGISTRY_RATE_LIMIT_READ',
    default: '600',
    description: 'Reads per minute per token or IP (0 turns the limit off).',
  },
  {
    name: 'CWS_REGISTRY_RATE_LIMIT_WRITE',
    default: '60',
    description: 'Writes per minute per token or IP (0 turns the limit off).',
  },
  { name: 'CWS_REGISTRY_BODY_LIMIT', default: '256kb', description: 'Largest request body; larger ones get 413.' },
  {
    name: 'CWS_REGISTRY_TRUST_PROXY',
    default: 'false',
    description: 'Trust X-Forwarded-* (behind a load balancer): true, false, or a hop count.',
  },
  {
    name: 'CWS_REGISTRY_DEMO',
    default: 'true when embedded, else false',
    description: 'Load the demo catalogue into an empty database at start.',
  },
  {
    name: 'CWS_REGISTRY_ID',
    default: 'host of CWS_REGISTRY_PUBLIC_URL',
    description: 'This registry’s id: AWS account proofs must sign it in the x-cws-registry-id header.',
  },
  {
    name: 'CWS_REGISTRY_STS_ENDPOINTS',
    default: 'https://sts.amazonaws.com,https://sts.*.amazonaws.com',
    description: 'Comma-separated STS origins an AWS account proof may be sent to (* is one DNS label).',
  },
  {
    name: 'CWS_REGISTRY_AWS',
    default: 'true',
    description:
      'Verify published AMIs with the server’s own AWS credentials (the SDK chain: AWS_ACCESS_KEY_ID, AWS_PROFILE, roles).',
  },
  { name: 'AWS_ENDPOINT_URL', default: '(unset: AWS)', description: 'EC2/STS endpoint of the server’s own AWS calls.' },
  {
    name: 'CWS_REGISTRY_VERIFY_INTERVAL',
    default: '21600',
    description: 'Seconds between re-verifications of every active version in EC2 (0 turns them off).',
  },
  {
    name: 'CWS_REGISTRY_AWS_SIGNUP',
    default: 'true',
    description: 'An AWS account proof from an unknown account creates a user (cws login --aws).',
  },
  {
    name: 'CWS_REGISTRY_SAML_IDP_METADATA',
    default: '(unset: no SAML)',
    description: 'SAML identity provider metadata: a file path or an https URL (read at start). Turns on SAML sign-in.',
  },
  { name: 'CWS_REGISTRY_SAML_IDP_ID', default: 'idp', description: 'Short name of that IdP in URLs (/saml/login/ID).' },
  {
    name: 'CWS_REGISTRY_SAML_IDP_LABEL',
    default: 'your institution',
    description: 'Shown on the sign-in button: "Sign in with LABEL".',
  },
  {
    name: 'CWS_REGISTRY_SAML_IDP_ORG',
    default: '(unset)',
    description: 'Handle of the organisation the IdP’s people join, with the role their groups map to.',
  },
  {
    name: 'CWS_REGISTRY_SAML_IDPS',
    default: '(unset)',
    description:
      'YAML/JSON file listing several IdPs (id, label, metadata, organisation, attributes, roles); instead of the IDP_* settings.',
  },
  {
    name: 'CWS_REGISTRY_SAML_ATTR_ID',
    default: 'eduPersonPrincipalName, subject-id, persistent NameID',
    description:
      'Attributes (names or urn:oid:) tried in order for the stable user id; nameid:persistent is the NameID.',
  },
  {
    name: 'CWS_REGISTRY_SAML_ATTR_NAME',
    default: 'displayName, cn',
    description: 'Attributes tried in order for the display name.',
  },
  {
    name: 'CWS_REGISTRY_SAML_ATTR_MAIL',
    default: 'mail',
    description: 'Attributes tried in order for the mail address.',
  },
  {
    name: 'CWS_REGISTRY_SAML_ATTR_GROUPS',
    default: 'eduPersonEntitlement, memberOf, eduPersonAffiliation, eduPersonScopedAffiliation',
    description: 'Attributes whose values are the person’s groups (mapped to roles by CWS_REGISTRY_SAML_ROLES).',
  },
  {
    name: 'CWS_REGISTRY_SAML_ROLES',
    default: 'member=*',
    description:
      'Groups to organisation roles: admin=V1,V2;publisher=V3;member=* (highest match wins; * is everyone; no match: no membership).',
  },
  {
    name: 'CWS_REGISTRY_SAML_IDP_INITIATED',
    default: 'false',
    description:
      'Accept unsolicited (IdP-initiated) responses. Off: every response must answer a request this registry sent.',
  },
  {
    name: 'CWS_REGISTRY_SAML_CLOCK_SKEW',
    default: '60',
    description: 'Seconds of clock difference allowed on NotBefore/NotOnOrAfter (at most 300).',
  },
  {
    name: 'CWS_REGISTRY_SAML_SP_ENTITY_ID',
    default: 'PUBLIC_URL/saml/metadata',
    description: 'The registry’s SAML entity id (the IdP’s audience for it).',
  },
  {
    name: 'CWS_REGISTRY_SAML_SP_KEY',
    default: '(unset)',
    description: 'PEM private key file: signs AuthnRequests and decrypts encrypted assertions (with SP_CERT).',
  },
  {
    name: 'CWS_REGISTRY_SAML_SP_CERT',
    default: '(unset)',
    description: 'PEM certificate file of that key, published in /saml/metadata.',
  },
  {
    name: 'CWS_REGISTRY_SAML_WANT_RESPONSE_SIGNED',
    default: 'false',
    description: 'Also require the Response to be signed (assertions must always be).',
  },
  {
    name: 'CWS_REGISTRY_WORKER',
    default: 'true',
    description:
      'cws-registry serve also runs background jobs (verification, scans). false in web replicas; run cws-registry worker apart.',
  },
  {
    name: 'CWS_REGISTRY_JOB_LEASE',
    default: '60',
    description: 'Seconds a worker holds a job between heartbeats; a job of a killed worker runs again after this.',
  },
  {
    name: 'CWS_REGISTRY_SCAN',
    default: 'true',
    description:
      'Scan published AMIs for vulnerabilities (EC2 GetImageFindings, else an Inspector2 scan instance). Needs CWS_REGISTRY_AWS.',
  },
  {
    name: 'CWS_REGISTRY_SCAN_REGIONS',
    default: '(every region)',
    description: 'Comma-separated regions the registry scans in; AMIs elsewhere say they are not scanned and why.',
  },
  {
    name: 'CWS_REGISTRY_SCAN_INSTANCES',
    default: 'true',
    description: 'Launch a short-lived scan instance when GetImageFindings has nothing (false: the cheap path only).',
  },
  {
    name: 'CWS_REGISTRY_SCAN_INSTANCE_TYPES',
    default: 'x86_64=t3.small,arm64=t4g.small',
    description: 'Instance type of a scan instance per architecture.',
  },
  {
    name: 'CWS_REGISTRY_SCAN_SUBNETS',
    default: '(unset: the default VPC)',
    description:
      'region=subnet-id pairs, comma-separated: where scan instances run (a security group with no ingress is made in its VPC).',
  },
  {
    name: 'CWS_REGISTRY_SCAN_MAX_INSTANCES',
    default: '2',
    description: 'Scan instances running at once across every worker.',
  },
  {
    name: 'CWS_REGISTRY_SCAN_TIMEOUT',
    default: '1800',
    description:
      'Seconds a scan may take (and a scan instance may live) before it fails and the instance is terminated.',
  },
  {
    name: 'CWS_REGISTRY_SCAN_ENABLE_INSPECTOR',
    default: 'false',
    description:
      'Turn on Inspector2 EC2 scanning in the registry account when it is off (Enable); false: fail with the reason.',
  },
  {
    name: 'CWS_REGISTRY_SCAN_POLL',
    default: '30',
    description: 'Seconds between Inspector2 ListCoverage checks while a scan instance waits to be scanned.',
  },
  {
    name: 'CWS_REGISTRY_RESCAN_LATEST',
    default: '86400',
    description: 'Seconds between rescans of the newest active version of each listing (0 turns them off).',
  },
  {
    name: 'CWS_REGISTRY_RESCAN_OLDER',
    default: '604800',
    description: 'Seconds between rescans of older active versions (0 turns them off).',
  },
  {
    name: 'CWS_REGISTRY_READ',
    default: 'public',
    description:
      'Who may read: public (anyone), or signed-in (every read of the API, the web pages, resolve and the community list needs a token or a session).',
  },
  {
    name: 'CWS_REGISTRY_MIRROR_URL',
    default: '(unset: no mirroring)',
    description: 'Registry whose public catalogue this one mirrors on a schedule (its GET /api/v1/export).',
  },
  {
    name: 'CWS_REGISTRY_MIRROR_INTERVAL',
    default: '86400',
    description:
      'Seconds between mirror runs (background jobs) when CWS_REGISTRY_MIRROR_URL is set (0: no scheduled runs).',
  },
  {
    name: 'CWS_REGISTRY_MIRROR_TOKEN',
    default: '(unset)',
    description: 'Token sent to the mirrored registry, when it requires sign-in for reads.',
  },
  { name: 'CWS_REGISTRY_LOG_LEVEL', default: 'info', description: 'trace, debug, info, warn, error, fatal or silent.' },
  { name: 'XDG_DATA_HOME', default: '~/.local/share', description: 'Base of the default CWS_REGISTRY_DATA.' },
];

const intString = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);
const boolString = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const envSchema = z.object({
  HOST: z.string().min(1).optional(),
  PORT: intString(0, 65535).optional(),
  CWS_REGISTRY_DATA: z.string().min(1).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  DATABASE_POOL_MAX: intString(1, 500).optional(),
  DATABASE_STATEMENT_TIMEOUT: intString(100, 3_600_000).optional(),
  DATABASE_CONNECT_TIMEOUT: intString(100, 600_000).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  CWS_REGISTRY_REDIS_PREFIX: z.string().min(1).max(64).optional(),
  CWS_REGISTRY_ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  CWS_REGISTRY_PUBLIC_URL: z.url().optional(),
  CWS_REGISTRY_CACHE_TTL: intString(0, 86400).optional(),
  CWS_REGISTRY_CACHE_MAX_MB: intString(1, 65536).optional(),
  CWS_REGISTRY_RATE_LIMIT_READ: intString(0, 10_000_000).optional(),
  CWS_REGISTRY_RATE_LIMIT_WRITE: intString(0, 10_000_000).optional(),
  CWS_REGISTRY_BODY_LIMIT: z
    .string()
    .regex(/^[0-9]+(b|kb|mb)$/i, 'must look like 256kb or 1mb')
    .optional(),
  CWS_REGISTRY_TRUST_PROXY: z
    .string()
    .regex(/^(true|false|[0-9]+)$/)
    .optional(),
  CWS_REGISTRY_DEMO: boolString.optional(),
  XDG_DATA_HOME: z.string().min(1).optional(),
  CWS_REGISTRY_ID: z.string().trim().min(1).max(200).optional(),
  CWS_REGISTRY_STS_ENDPOINTS: z.string().min(1).optional(),
  CWS_REGISTRY_AWS: boolString.optional(),
  AWS_ENDPOINT_URL: z.url().optional(),
  CWS_REGISTRY_VERIFY_INTERVAL: intString(0, 30 * 86400).optional(),
  CWS_REGISTRY_AWS_SIGNUP: boolString.optional(),
  CWS_REGISTRY_SAML_IDP_METADATA: z.string().min(1).optional(),
  CWS_REGISTRY_SAML_IDP_ID: z.string().min(1).optional(),
  CWS_REGISTRY_SAML_IDP_LABEL: z.string().trim().min(1).max(100).optional(),
  CWS_REGISTRY_SAML_IDP_ORG: z.string().min(1).max(39).optional(),
  CWS_REGISTRY_SAML_IDPS: z.string().min(1).optional(),
  CWS_REGISTRY_SAML_ATTR_ID: z.string().min(1).optional(),
  CWS_REGISTRY_SAML_ATTR_NAME: z.string().min(1).optional(),
  CWS_REGISTRY_SAML_ATTR_MAIL: z.string().min(1).optional(),
  CWS_REGISTRY_SAML_ATTR_GROUPS: z.string().min(1).optional(),
  CWS_REGISTRY_SAML_ROLES: z.string().min(1).optional(),
  CWS_REGISTRY_SAML_IDP_INITIATED: boolString.optional(),
  CWS_REGISTRY_SAML_CLOCK_SKEW: intString(0, 300).optional(),
  CWS_REGISTRY_SAML_SP_ENTITY_ID: z.string().min(1).max(1024).optional(),
  CWS_REGISTRY_SAML_SP_KEY: z.string().min(1).optional(),
  CWS_REGISTRY_SAML_SP_CERT: z.string().min(1).optional(),
  CWS_REGISTRY_SAML_WANT_RESPONSE_SIGNED: boolString.optional(),
  CWS_REGISTRY_WORKER: boolString.optional(),
  CWS_REGISTRY_JOB_LEASE: intString(5, 3600).optional(),
  CWS_REGISTRY_SCAN: boolString.optional(),
  CWS_REGISTRY_SCAN_REGIONS: z
    .string()
    .regex(
      /^\s*[a-z]{2}(-[a-z]+)+-\d(\s*,\s*[a-z]{2}(-[a-z]+)+-\d)*\s*$/,
      'must be regions such as us-east-1,eu-west-1',
    )
    .optional(),
  CWS_REGISTRY_SCAN_INSTANCES: boolString.optional(),
  CWS_REGISTRY_SCAN_INSTANCE_TYPES: z
    .string()
    .regex(
      /^\s*(x86_64|arm64)=[a-z][a-z0-9-]*\.[a-z0-9-]+(\s*,\s*(x86_64|arm64)=[a-z][a-z0-9-]*\.[a-z0-9-]+)*\s*$/,
      'must look like x86_64=t3.small,arm64=t4g.small',
    )
    .optional(),
  CWS_REGISTRY_SCAN_SUBNETS: z
    .string()
    .regex(
      /^\s*[a-z]{2}(-[a-z]+)+-\d=subnet-[0-9a-f]{8,17}(\s*,\s*[a-z]{2}(-[a-z]+)+-\d=subnet-[0-9a-f]{8,17})*\s*$/,
      'must look like us-east-1=subnet-0123456789abcdef0',
    )
    .optional(),
  CWS_REGISTRY_SCAN_MAX_INSTANCES: intString(0, 1000).optional(),
  CWS_REGISTRY_SCAN_TIMEOUT: intString(60, 86400).optional(),
  CWS_REGISTRY_SCAN_ENABLE_INSPECTOR: boolString.optional(),
  CWS_REGISTRY_SCAN_POLL: intString(1, 600).optional(),
  CWS_REGISTRY_RESCAN_LATEST: intString(0, 365 * 86400).optional(),
  CWS_REGISTRY_RESCAN_OLDER: intString(0, 365 * 86400).optional(),
  CWS_REGISTRY_READ: z.enum(['public', 'signed-in'], { error: 'must be public or signed-in' }).optional(),
  CWS_REGISTRY_MIRROR_URL: z.url().optional(),
  CWS_REGISTRY_MIRROR_INTERVAL: intString(0, 30 * 86400).optional(),
  CWS_REGISTRY_MIRROR_TOKEN: z.string().min(1).max(500).optional(),
  CWS_REGISTRY_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).optional(),
});
export type Env = z.infer<typeof envSchema>;

/** Reads and validates the environment; throws a readable message naming each bad variable. */
export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const picked: Record<string, string> = {};
  for (const { name } of ENV_DOCS) {
    const value = source[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  const parsed = envSchema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/**
 * Under Node 20 the SDK prints an 8-line notice at every start that its releases after January 2027 will need
 * Node 22. The versions we pin support Node 20 (README, "Node versions"), and an operator can do nothing about
 * the notice, so it is turned off unless they set the variable themselves (as the CLI does).
 */
export function quietSdkNodeWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
