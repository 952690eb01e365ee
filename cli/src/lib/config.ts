import { stat } from 'node:fs/promises';
import * as z from 'zod';
import { CwsError } from './errors.js';
import { readIfExists, writeFileAtomic } from './files.js';

export const REGISTRY_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,39}$/;
export const DEFAULT_PRIORITY = 100;
export const DEFAULT_REGISTRY_TIMEOUT_MS = 2000;
/** How old a cached registry answer may be and still stand in for an unreachable registry (7 days). */
export const DEFAULT_CACHE_TTL_SECONDS = 7 * 24 * 3600;

const httpUrl = z
  .string()
  .url('must be a URL such as https://registry.example.org')
  .refine((u) => /^https?:\/\//i.test(u), 'must start with http:// or https://');

export const registryEntry = z.object({
  name: z.string().regex(REGISTRY_NAME_PATTERN, 'must be 1-40 lowercase letters, digits or . _ -'),
  url: httpUrl,
  /** Lower numbers are asked first. */
  priority: z.number().int().min(0).max(100000).default(DEFAULT_PRIORITY),
  token: z.string().min(1).optional(),
  /** Handle the token belongs to, as the registry reported at login. */
  handle: z.string().optional(),
  timeout_ms: z.number().int().min(100).max(120000).optional(),
});
export type RegistryEntry = z.infer<typeof registryEntry>;

const strategy = z.enum(['ami_preferred', 'ami_required', 'script_only']);

// Unknown keys are kept (looseObject) so an older cws does not drop settings a newer one wrote.
export const configSchema = z.looseObject({
  registries: z.array(registryEntry).default([]),
  defaults: z
    .looseObject({
      region: z.string().optional(),
      architecture: z.enum(['x86_64', 'arm64']).optional(),
      strategy: strategy.optional(),
      registry: z.string().optional(),
    })
    .optional(),
  cache_ttl_seconds: z.number().int().min(0).optional(),
});
export type CwsConfig = z.infer<typeof configSchema>;

export interface LoadedConfig {
  config: CwsConfig;
  /** Problems worth a warning, e.g. a token-bearing file others can read. */
  warnings: string[];
}

export async function loadConfig(file: string): Promise<LoadedConfig> {
  let text: string | undefined;
  try {
    text = await readIfExists(file);
  } catch (err) {
    throw new CwsError(`cannot read the config file ${file}: ${(err as Error).message}`, {
      code: 'config_unreadable',
      suggestions: ['check the file permissions, or point CWS_CONFIG at another file'],
    });
  }
  if (text === undefined || text.trim() === '') return { config: configSchema.parse({}), warnings: [] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CwsError(`the config file ${file} is not valid JSON: ${(err as Error).message}`, {
      code: 'config_invalid',
      suggestions: [`fix or delete ${file}; cws recreates it with "cws registry add"`],
    });
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(root)';
    throw new CwsError(`the config file ${file} is invalid at ${where}: ${issue?.message}`, {
      code: 'config_invalid',
      suggestions: [`fix ${where} in ${file}`],
    });
  }
  const warnings: string[] = [];
  if (parsed.data.registries.some((r) => r.token)) {
    const mode = (await stat(file)).mode & 0o777;
    if (mode & 0o077) {
      warnings.push(
        `${file} holds registry tokens but is readable by others (mode ${mode.toString(8)}); run: chmod 600 ${file}`,
      );
    }
  }
  return { config: parsed.data, warnings };
}

export async function saveConfig(file: string, config: CwsConfig): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`, 0o600);
}

/** Registries in the order they are asked: priority ascending, then the order they were added. */
export function orderedRegistries(config: CwsConfig): RegistryEntry[] {
  return config.registries
    .map((r, i) => ({ r, i }))
    .sort((a, b) => a.r.priority - b.r.priority || a.i - b.i)
    .map(({ r }) => r);
}

export function findRegistry(config: CwsConfig, name: string): RegistryEntry {
  const entry = config.registries.find((r) => r.name === name);
  if (!entry) {
    const known = config.registries.map((r) => r.name);
    throw new CwsError(`no registry named "${name}" is configured`, {
      code: 'registry_not_found',
      suggestions: [
        known.length ? `configured registries: ${known.join(', ')}` : 'no registries are configured yet',
        `add it: cws registry add ${name} https://registry.example.org`,
      ],
    });
  }
  return entry;
}
