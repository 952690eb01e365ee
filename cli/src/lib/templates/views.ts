import type { CatalogEntry, TemplateSource } from './catalog.js';
import type { Template } from './schema.js';

export interface TemplateSummary {
  name: string;
  display_name: string | null;
  category: string | null;
  description: string;
  architectures: string[];
  strategy: string | null;
  source: TemplateSource;
  file: string;
  valid: boolean;
  /** Why the file is not a valid template. */
  error: string | null;
}

export function summarize(entry: CatalogEntry): TemplateSummary {
  const t = entry.template;
  return {
    name: entry.name,
    display_name: t?.display_name ?? null,
    category: t?.category ?? null,
    description: t?.description ?? '',
    architectures: t?.architectures ?? [],
    strategy: t?.ami_config.strategy ?? null,
    source: entry.source,
    file: entry.file,
    valid: Boolean(t),
    error: entry.error ? entry.error.message : null,
  };
}

export function mappingCount(t: Template): number {
  return Object.values(t.ami_config.ami_mappings ?? {}).reduce((n, byArch) => n + Object.keys(byArch).length, 0);
}
