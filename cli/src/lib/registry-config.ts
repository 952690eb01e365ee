import { normalizeBaseUrl } from '@cws/shared';
import { ResolveCache } from './cache.js';
import { type CwsConfig, orderedRegistries, type RegistryEntry, registryEntry } from './config.js';
import type { CliContext } from './context.js';
import { CwsError } from './errors.js';

/** A registry as shown to people and scripts: never the token itself. */
export interface RegistryView {
  name: string;
  url: string;
  priority: number;
  timeout_ms: number | null;
  logged_in: boolean;
  handle: string | null;
}

export function viewOf(entry: RegistryEntry): RegistryView {
  return {
    name: entry.name,
    url: entry.url,
    priority: entry.priority,
    timeout_ms: entry.timeout_ms ?? null,
    logged_in: Boolean(entry.token),
    handle: entry.token ? (entry.handle ?? null) : null,
  };
}

export function listViews(config: CwsConfig): RegistryView[] {
  return orderedRegistries(config).map(viewOf);
}

export interface AddInput {
  name: string;
  url: string;
  priority?: number | undefined;
  timeoutMs?: number | undefined;
}

/** Adds a registry, or updates the one with that name. A token is kept only while the URL stays the same. */
export function upsertRegistry(config: CwsConfig, input: AddInput): { config: CwsConfig; action: 'added' | 'updated' } {
  let url: string;
  try {
    url = normalizeBaseUrl(input.url);
  } catch (err) {
    throw new CwsError(`registry URL ${input.url}: ${(err as Error).message}`, {
      code: 'invalid_url',
      suggestions: ['give the registry root, e.g. https://registry.example.org'],
    });
  }
  const existing = config.registries.find((r) => r.name === input.name);
  const candidate = {
    ...(existing ?? {}),
    name: input.name,
    url,
    priority: input.priority ?? existing?.priority ?? undefined,
    ...(input.timeoutMs !== undefined ? { timeout_ms: input.timeoutMs } : {}),
  };
  // A token belongs to one server; never send it to a new URL.
  if (existing && normalizeBaseUrl(existing.url) !== url) {
    delete (candidate as Partial<RegistryEntry>).token;
    delete (candidate as Partial<RegistryEntry>).handle;
  }
  const parsed = registryEntry.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CwsError(`registry ${issue?.path.join('.') || 'entry'}: ${issue?.message}`, {
      code: 'invalid_registry',
      suggestions: ['example: cws registry add community https://registry.example.org --priority 100'],
    });
  }
  const registries = existing
    ? config.registries.map((r) => (r.name === input.name ? parsed.data : r))
    : [...config.registries, parsed.data];
  return { config: { ...config, registries }, action: existing ? 'updated' : 'added' };
}

/** Registry answers depend on which registries are configured; forget them when that changes. */
export async function forgetResolutions(ctx: CliContext): Promise<void> {
  await new ResolveCache(ctx.paths.cacheDir).clear();
}

/**
 * The configured registry at this URL, or a new one named after its host (and port), for
 * `cws login --registry URL` pasted from a registry's account page. `name` is the registry's name.
 */
export function registryForUrl(config: CwsConfig, rawUrl: string): { config: CwsConfig; name: string; added: boolean } {
  let url: string;
  try {
    url = normalizeBaseUrl(rawUrl);
  } catch (err) {
    throw new CwsError(`registry URL ${rawUrl}: ${(err as Error).message}`, {
      code: 'invalid_url',
      suggestions: [
        'give the registry root, e.g. https://registry.example.org, or a configured name (cws registry list)',
      ],
    });
  }
  const known = config.registries.find((r) => normalizeBaseUrl(r.url) === url);
  if (known) return { config, name: known.name, added: false };
  const { hostname, port } = new URL(url);
  const base =
    `${hostname}${port ? `-${port}` : ''}`
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '')
      .slice(0, 36) || 'registry';
  let name = base;
  for (let i = 2; config.registries.some((r) => r.name === name); i++) name = `${base}-${i}`;
  return { ...upsertRegistry(config, { name, url }), name, added: true };
}
