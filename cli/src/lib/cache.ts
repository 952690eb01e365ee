import { join } from 'node:path';
import { type ResolveResult, resolveResult } from '@cws/shared/schemas/resolve';
import * as z from 'zod';
import { readIfExists, writeFileAtomic } from './files.js';

/**
 * Registry answers to `resolve`, kept on disk so a launch still resolves while every registry is unreachable.
 * Only registry answers are cached: the template tiers are local, and EC2 is the source of truth for the others.
 */
const entrySchema = z.object({
  registry: z.object({ name: z.string(), url: z.string() }),
  result: resolveResult,
  cached_at: z.string(),
});
export type CacheEntry = z.infer<typeof entrySchema>;

const fileSchema = z.object({ version: z.literal(1), entries: z.record(z.string(), z.unknown()) });

const MAX_ENTRIES = 500;

export interface ResolveKey {
  template: string;
  region: string;
  architecture: string;
  min_rating?: number | undefined;
  verified_only?: boolean | undefined;
  max_severity?: string | undefined;
  severity_mode?: string | undefined;
  allow_unscanned?: boolean | undefined;
  channel?: string | undefined;
}

export function cacheKey(k: ResolveKey): string {
  return [
    k.template,
    k.region,
    k.architecture,
    k.min_rating ?? '',
    k.verified_only ? 'verified' : '',
    k.max_severity ?? '',
    // Only when set, so keys written before these options existed still match.
    ...(k.severity_mode === 'block' ? ['block'] : []),
    ...(k.allow_unscanned ? ['unscanned'] : []),
    // Appended only when set, so the keys of answers cached without a channel stay the same.
    ...(k.channel ? [`channel:${k.channel}`] : []),
  ].join('|');
}

export class ResolveCache {
  readonly file: string;
  private entries: Record<string, unknown> | undefined;

  constructor(cacheDir: string) {
    this.file = join(cacheDir, 'resolve-cache.json');
  }

  private async load(): Promise<Record<string, unknown>> {
    if (this.entries) return this.entries;
    let entries: Record<string, unknown> = {};
    try {
      const text = await readIfExists(this.file);
      const parsed = text ? fileSchema.safeParse(JSON.parse(text)) : undefined;
      if (parsed?.success) entries = parsed.data.entries;
    } catch {
      // A damaged cache is an empty cache; it is rewritten on the next answer.
    }
    this.entries = entries;
    return entries;
  }

  /** The entry and its age, if one exists and still parses (a schema change invalidates old entries). */
  async get(key: string, now = Date.now()): Promise<{ entry: CacheEntry; ageMs: number } | undefined> {
    const raw = (await this.load())[key];
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) return undefined;
    const ageMs = Math.max(0, now - Date.parse(parsed.data.cached_at));
    return Number.isNaN(ageMs) ? undefined : { entry: parsed.data, ageMs };
  }

  async put(key: string, registry: { name: string; url: string }, result: ResolveResult, now = Date.now()) {
    const entries = await this.load();
    entries[key] = { registry, result, cached_at: new Date(now).toISOString() };
    const keys = Object.keys(entries);
    if (keys.length > MAX_ENTRIES) {
      // Oldest first out; entries that no longer parse sort as oldest.
      const age = (k: string) => Date.parse((entries[k] as { cached_at?: string })?.cached_at ?? '') || 0;
      for (const k of keys.sort((a, b) => age(a) - age(b)).slice(0, keys.length - MAX_ENTRIES)) delete entries[k];
    }
    await this.save(entries);
  }

  async clear(): Promise<void> {
    this.entries = {};
    await this.save({});
  }

  private async save(entries: Record<string, unknown>) {
    try {
      await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, entries })}\n`, 0o600);
    } catch {
      // The cache is an optimisation: a read-only cache folder must not fail a resolution.
    }
  }
}
