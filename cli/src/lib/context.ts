import { REGION_PATTERN } from '@cws/shared/validators';
import type { AwsGateway } from './aws/gateway.js';
import { type CwsConfig, DEFAULT_CACHE_TTL_SECONDS, loadConfig, saveConfig } from './config.js';
import { type CwsEnv, readEnv } from './env.js';
import { CwsError } from './errors.js';
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
  /** The one AWS gateway of this run (the SDK's, made on first use; a fake in tests). */
  aws(): Promise<AwsGateway>;
  /**
   * The AWS region, by the one rule: the --region flag > AWS_REGION > AWS_DEFAULT_REGION > the cws config's
   * defaults.region > the AWS profile's region. Undefined when none names one; a malformed name is a usage error.
   */
  region(flag?: string): Promise<string | undefined>;
  /** The same, or a usage error saying where a region can come from; `example` shows the command with --region. */
  requireRegion(flag: string | undefined, example: string): Promise<string>;
  /** The registry name browse/info/rate use by default: CWS_REGISTRY > config defaults.registry. */
  defaultRegistry(): Promise<string | undefined>;
}

export interface ContextOverrides {
  /** Replaces the SDK gateway (unit tests). */
  aws?: AwsGateway;
}

export function createContext(
  source: Record<string, string | undefined> = process.env,
  overrides: ContextOverrides = {},
): CliContext {
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
  let gateway: Promise<AwsGateway> | undefined;
  const aws = () => {
    gateway ??= overrides.aws
      ? Promise.resolve(overrides.aws)
      : import('./aws/sdk-gateway.js').then((m) => m.createSdkGateway());
    return gateway;
  };
  const region = async (flag?: string) => {
    const named =
      flag ??
      env.AWS_REGION ??
      env.AWS_DEFAULT_REGION ??
      (await config()).defaults?.region ??
      (await (await aws()).defaultRegion());
    if (named !== undefined && !REGION_PATTERN.test(named)) {
      throw new CwsError(`"${named}" is not an AWS region name`, {
        code: 'usage',
        suggestions: ['use a region such as us-east-1 or eu-west-1'],
      });
    }
    return named;
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
    aws,
    region,
    async requireRegion(flag, example) {
      const named = await region(flag);
      if (named) return named;
      throw new CwsError('no AWS region: nothing in --region, AWS_REGION, the cws config or your AWS profile', {
        code: 'no_region',
        suggestions: [`pass --region, e.g. ${example} --region us-east-1`, 'or export AWS_REGION'],
      });
    },
    async defaultRegistry() {
      return env.CWS_REGISTRY ?? (await config()).defaults?.registry;
    },
  };
}
