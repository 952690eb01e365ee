import type { Logger } from 'pino';
import { Ec2Reader } from './aws/ec2.js';
import { Scanner } from './aws/scanner.js';
import { Cache } from './cache/cache.js';
import { RateLimiter } from './cache/rate-limiter.js';
import { RedisLink } from './cache/redis.js';
import type { Config } from './config/config.js';
import { createDatabase, type Database } from './db/database.js';
import type { EmbeddedStart } from './db/pglite-early.js';
import { Drain } from './http/middleware/drain.js';
import { JobQueue } from './jobs/queue.js';
import { createLogger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { AccessService } from './services/access.js';
import { AccountService } from './services/account.js';
import { AdminService } from './services/admin.js';
import { AuthService } from './services/auth.js';
import { AwsAccountService } from './services/aws-accounts.js';
import { CatalogueService } from './services/catalogue.js';
import { DeviceService } from './services/device.js';
import { DownloadCounter } from './services/downloads.js';
import { ExceptionService } from './services/exceptions.js';
import { ImageCheckService } from './services/image-checks.js';
import { ImportService } from './services/import.js';
import { InvitationService } from './services/invitations.js';
import { ListingService } from './services/listings.js';
import { ExportService, MirrorService } from './services/mirror.js';
import { OrganisationService } from './services/organisations.js';
import { RatingService } from './services/ratings.js';
import { ResolveService } from './services/resolve.js';
import { SamlService } from './services/saml/service.js';
import { ScanService } from './services/scans.js';
import { SearchService } from './services/search.js';
import { SessionService } from './services/sessions.js';
import { TemplateService } from './services/templates.js';
import { TrustService } from './services/trust.js';
import { VerificationService } from './services/verification.js';

/** Everything a request handler may use, built once from the config (atproto's AppContext). */
export interface AppContext {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  database: Database;
  redis: RedisLink | null;
  cache: Cache;
  limiter: RateLimiter;
  downloads: DownloadCounter;
  /** Background jobs: rows in Postgres; workers (jobs/worker.ts) run them. */
  jobs: JobQueue;
  /** Requests in flight, and whether the server is shutting down. */
  drain: Drain;
  /** Check every answer against its contract's schema (tests turn it on; a mismatch is a 500 naming it). */
  checkResponses: boolean;
  services: {
    access: AccessService;
    /** The account page: a signed-in person's own API tokens. */
    account: AccountService;
    admin: AdminService;
    export: ExportService;
    mirror: MirrorService;
    orgs: OrganisationService;
    /** The web pages' catalogue reads (facets, the signed-in user's rating). */
    catalogue: CatalogueService;
    auth: AuthService;
    listings: ListingService;
    /** Templates that travel with listings (GET /listings/{owner}/{name}/template). */
    templates: TemplateService;
    imageChecks: ImageCheckService;
    search: SearchService;
    ratings: RatingService;
    resolve: ResolveService;
    import: ImportService;
    sessions: SessionService;
    verification: VerificationService;
    scans: ScanService;
    exceptions: ExceptionService;
    trust: TrustService;
    awsAccounts: AwsAccountService;
    /** SAML single sign-on; null when no IdP is configured. */
    saml: SamlService | null;
    device: DeviceService;
    /** Invitation links and the first-run admin link. */
    invitations: InvitationService;
  };
}

export interface ContextOverrides {
  logger?: Logger;
  /** An open database to use instead of the configured one (the caller closes it). */
  database?: Database;
  /** The configured embedded database, already locked and opening (db/pglite-early.ts; the server closes it). */
  embedded?: EmbeddedStart;
  /** See AppContext.checkResponses. */
  checkResponses?: boolean;
  /** Replaces services after they are built (tests: a failing or slow service without touching the rest). */
  services?: Partial<AppContext['services']>;
}

export async function createContext(config: Config, overrides: ContextOverrides = {}): Promise<AppContext> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const metrics = createMetrics();
  const database =
    overrides.database ??
    (await createDatabase(config.db, {
      embedded: overrides.embedded,
      onError: (err) => logger.warn({ err: err.message }, 'an idle database connection failed; the pool replaces it'),
    }));
  database.attachMetrics(metrics);
  const redis = config.redis
    ? await RedisLink.create(config.redis.url, config.redis.prefix, logger.child({ name: 'redis' }), metrics)
    : null;
  await redis?.connect();
  const cache = new Cache(config.cache, redis, logger.child({ name: 'cache' }), metrics);
  const downloads = new DownloadCounter(database, logger);
  const jobs = new JobQueue(database);
  const verification = new VerificationService(
    database,
    cache,
    logger.child({ name: 'verification' }),
    config.aws.verify ? new Ec2Reader(config.aws) : null,
    config.aws.verify ? null : 'CWS_REGISTRY_AWS=false',
    jobs,
  );
  const access = new AccessService(database);
  const auth = new AuthService(database, cache, logger);
  const orgs = new OrganisationService(database, cache, access);
  const saml = config.saml
    ? await SamlService.create(config.saml, config.http.publicUrl!, database, logger.child({ name: 'saml' }), orgs)
    : null;
  const scanOff = !config.scan.enabled
    ? 'the registry does not scan (CWS_REGISTRY_SCAN=false)'
    : !config.aws.verify
      ? 'the registry has no AWS access (CWS_REGISTRY_AWS=false)'
      : null;
  const scans = new ScanService(
    database,
    cache,
    jobs,
    logger.child({ name: 'scans' }),
    config.scan,
    scanOff ? null : new Scanner(config.aws),
    scanOff,
    () => verification.status.account,
  );
  verification.afterPublish((versionId) => scans.queueVersion(versionId));
  return {
    config,
    logger,
    metrics,
    database,
    redis,
    cache,
    limiter: new RateLimiter(config.rateLimit, redis),
    downloads,
    jobs,
    drain: new Drain(),
    checkResponses: overrides.checkResponses ?? false,
    services: {
      access,
      admin: new AdminService(database, cache, access),
      export: new ExportService(database, { id: config.aws.registryId, url: config.http.publicUrl }),
      mirror: new MirrorService(database, cache, logger.child({ name: 'mirror' })),
      orgs,
      catalogue: new CatalogueService(database),
      auth,
      account: new AccountService(database, auth),
      listings: new ListingService(database, cache, verification, access),
      templates: new TemplateService(database, access),
      imageChecks: new ImageCheckService(database, cache),
      search: new SearchService(database, cache, access),
      ratings: new RatingService(database, cache, access),
      resolve: new ResolveService(database, cache, downloads, verification, access),
      import: new ImportService(database, cache),
      sessions: new SessionService(database, logger.child({ name: 'sessions' })),
      verification,
      scans,
      exceptions: new ExceptionService(database, cache, access),
      trust: new TrustService(database, cache, access),
      awsAccounts: new AwsAccountService(
        database,
        redis,
        logger.child({ name: 'aws-accounts' }),
        config.aws,
        verification,
      ),
      saml,
      device: new DeviceService(database, logger.child({ name: 'device' })),
      invitations: new InvitationService(database, logger.child({ name: 'invitations' })),
      ...overrides.services,
    },
  };
}
