export { buildConfig, type Config, defaultDataDir } from './config/config.js';
export { ENV_DOCS, type Env, readEnv } from './config/env.js';
export { DEFAULT_ATTRIBUTES, type SamlConfig, type SamlIdpSettings } from './config/saml.js';
export type { AppContext, ContextOverrides } from './context.js';
export { createDatabase, type Database, openPglite } from './db/database.js';
export { JobQueue } from './jobs/queue.js';
export { type JobContext, JobFailure, type JobKind, JobRetry, JobWorker } from './jobs/runner.js';
export { createLogger } from './logger.js';
export { createServer, type RegistryServer, VERSION } from './server.js';
