import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Env } from './env.js';

export type DatabaseConfig =
  | { kind: 'pglite'; dataDir: string | null /* null: in memory (tests) */ }
  | { kind: 'postgres'; url: string; poolMax: number };

export interface Config {
  http: { host: string; port: number; publicUrl: string | null; bodyLimit: string; trustProxy: boolean | number };
  db: DatabaseConfig;
  redis: { url: string; prefix: string } | null;
  adminToken: string | null;
  cache: { ttlSeconds: number };
  rateLimit: { readPerMinute: number; writePerMinute: number };
  demo: boolean;
  logLevel: string;
}

/** Where the embedded database lives when CWS_REGISTRY_DATA is unset (XDG data dir). */
export function defaultDataDir(env: { XDG_DATA_HOME?: string } = {}): string {
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'cws-registry');
}

/** Fills defaults and rejects bad combinations. Tests call it with a partial Env and overrides. */
export function buildConfig(env: Env, overrides: Partial<Config> = {}): Config {
  const db: DatabaseConfig = env.DATABASE_URL
    ? { kind: 'postgres', url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX ?? 10 }
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
    cache: { ttlSeconds: env.CWS_REGISTRY_CACHE_TTL ?? 60 },
    rateLimit: {
      readPerMinute: env.CWS_REGISTRY_RATE_LIMIT_READ ?? 600,
      writePerMinute: env.CWS_REGISTRY_RATE_LIMIT_WRITE ?? 60,
    },
    demo: env.CWS_REGISTRY_DEMO ?? db.kind === 'pglite',
    logLevel: env.CWS_REGISTRY_LOG_LEVEL ?? 'info',
    ...overrides,
  };
  return config;
}
