import * as z from 'zod';
import { CwsError } from './errors.js';

/**
 * The one place the CLI reads process.env (the AWS SDK reads its own variables: AWS_PROFILE, AWS_ENDPOINT_URL ...).
 * Validated, not cast: a bad value is an error that names the variable.
 */
const nonEmpty = z.string().trim().min(1);
const envSchema = z.object({
  HOME: nonEmpty.optional(),
  XDG_CONFIG_HOME: nonEmpty.optional(),
  XDG_CACHE_HOME: nonEmpty.optional(),
  CWS_CONFIG: nonEmpty.optional(),
  CWS_CACHE_DIR: nonEmpty.optional(),
  CWS_TEMPLATES_DIR: nonEmpty.optional(),
  /** Where launched instances and saves are recorded. */
  CWS_STATE_DIR: nonEmpty.optional(),
  XDG_STATE_HOME: nonEmpty.optional(),
  /** Registry used by browse/info/rate/list when --registry is not given. */
  CWS_REGISTRY: nonEmpty.optional(),
  /** Seconds a cached registry answer counts as fresh. */
  CWS_CACHE_TTL: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be whole seconds')
    .min(0, 'must be 0 or more')
    .optional(),
  /** Seconds to wait for each registry, overriding the per-registry setting. */
  CWS_REGISTRY_TIMEOUT: z.coerce
    .number({ error: 'must be a number of seconds' })
    .positive('must be a positive number of seconds')
    .max(120, 'must be at most 120 seconds')
    .optional(),
  /** Instance profile for build, test and hygiene-check instances (their SSM agent needs a role). */
  CWS_INSTANCE_PROFILE: nonEmpty.optional(),
  AWS_REGION: nonEmpty.optional(),
  AWS_DEFAULT_REGION: nonEmpty.optional(),
  /** The SDK reads these itself; cws needs them only to know where to sign an STS proof for. */
  AWS_ENDPOINT_URL: nonEmpty.optional(),
  AWS_ENDPOINT_URL_STS: nonEmpty.optional(),
});
export type CwsEnv = z.infer<typeof envSchema>;

export function readEnv(source: Record<string, string | undefined> = process.env): CwsEnv {
  // Empty variables count as unset, as shells commonly export them that way.
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const name = String(issue?.path[0] ?? 'environment');
  const value = present[name];
  const given = value === undefined ? '' : `, not "${value.length > 40 ? `${value.slice(0, 40)}...` : value}"`;
  throw new CwsError(`environment variable ${name}: ${issue?.message ?? 'invalid'}${given}`, {
    code: 'env_invalid',
    suggestions: [`fix or unset ${name}`],
  });
}

/**
 * Variables oclif reads itself: debug output (DEBUG, CWS_DEBUG) and JSON output (CWS_CONTENT_TYPE=json). With one
 * of them set, `cws ami resolve` runs through oclif rather than the lean start-up path (src/lean/), which does not
 * implement them.
 */
export function oclifSettingsInEnv(source: Record<string, string | undefined> = process.env): boolean {
  return ['DEBUG', 'CWS_DEBUG', 'CWS_CONTENT_TYPE'].some((name) => source[name] !== undefined && source[name] !== '');
}
