import { type CwsConfig, DEFAULT_CACHE_TTL_SECONDS, loadConfig, saveConfig } from './config.js';
import { type CwsEnv, readEnv } from './env.js';
import { type CwsPaths, resolvePaths } from './paths.js';

/**
 * Everything a command needs from its surroundings, read once: environment, paths, the config file (on first use)
 * and the settings that combine them (flags > env > config; flags are applied by each command).
 */
export interface CliContext {
  env: CwsEnv;
  paths: CwsPaths;
  config(): Promise<CwsConfig>;
  saveConfig(config: CwsConfig): Promise<void>;
  /** Warnings found while loading (e.g. a token file others can read). */
  warnings: string[];
  /** Seconds a cached registry answer is fresh: CWS_CACHE_TTL > config cache_ttl_seconds > 1 hour. */
  cacheTtlSeconds(): Promise<number>;
  /** CWS_REGISTRY_TIMEOUT in ms, when set (overrides each registry's timeout). */
  registryTimeoutMs: number | undefined;
  /** The region from env (AWS_REGION, AWS_DEFAULT_REGION) or config; the SDK's profile is asked separately. */
  region(): Promise<string | undefined>;
  /** The registry name browse/info/rate use by default: CWS_REGISTRY > config defaults.registry. */
  defaultRegistry(): Promise<string | undefined>;
}

export function createContext(source: Record<string, string | undefined> = process.env): CliContext {
  const env = readEnv(source);
  const paths = resolvePaths(env);
  const warnings: string[] = [];
  let loaded: Promise<CwsConfig> | undefined;
  const config = () => {
    loaded ??= loadConfig(paths.configFile).then((r) => {
      warnings.push(...r.warnings);
      return r.config;
    });
    return loaded;
  };
  return {
    env,
    paths,
    config,
    warnings,
    async saveConfig(next) {
      await saveConfig(paths.configFile, next);
      loaded = Promise.resolve(next);
    },
    async cacheTtlSeconds() {
      return env.CWS_CACHE_TTL ?? (await config()).cache_ttl_seconds ?? DEFAULT_CACHE_TTL_SECONDS;
    },
    registryTimeoutMs: env.CWS_REGISTRY_TIMEOUT === undefined ? undefined : Math.round(env.CWS_REGISTRY_TIMEOUT * 1000),
    async region() {
      return env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (await config()).defaults?.region;
    },
    async defaultRegistry() {
      return env.CWS_REGISTRY ?? (await config()).defaults?.registry;
    },
  };
}
