import { type SearchQuery, searchQuery } from '@cws/shared';
import type { Request } from 'express';

/** The catalogue's URL parameters: the same names as GET /api/v1/listings, so links translate 1:1. */
export const CATALOGUE_PARAMS = [
  'q',
  'template',
  'category',
  'region',
  'architecture',
  'verified',
  'min_rating',
  'sort',
  'cursor',
] as const;
export type CatalogueParam = (typeof CATALOGUE_PARAMS)[number];
export type CatalogueForm = Partial<Record<CatalogueParam, string>>;

export const PAGE_SIZE = 20;

/** First value of a query parameter, trimmed; empty counts as absent (forms send empty fields). */
export function one(query: Request['query'], key: string): string | undefined {
  const value = query[key];
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first !== 'string') return undefined;
  const trimmed = first.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Reads the catalogue query leniently: a bad parameter is reported and dropped, the rest
 * still applies (a page should not go blank over one odd value in a shared link).
 */
export function parseCatalogue(query: Request['query']): {
  form: CatalogueForm;
  search: SearchQuery;
  errors: string[];
} {
  const form: CatalogueForm = {};
  for (const key of CATALOGUE_PARAMS) {
    const value = one(query, key);
    if (value !== undefined) form[key] = value;
  }
  // A checkbox sends "true" (ours) or "on" (a hand-made form); anything else means not checked.
  if (form.verified !== undefined) {
    if (form.verified === 'on') form.verified = 'true';
    if (form.verified !== 'true') delete form.verified;
  }
  const errors: string[] = [];
  const input: Record<string, unknown> = { ...form, limit: PAGE_SIZE };
  let parsed = searchQuery.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      if (key in form) {
        errors.push(`${label(key)}: ${issue.message}`);
        delete form[key as CatalogueParam];
        delete input[key];
      }
    }
    parsed = searchQuery.safeParse(input);
  }
  const search = parsed.success ? parsed.data : ({ limit: PAGE_SIZE } as SearchQuery);
  return { form, search, errors };
}

function label(key: string): string {
  return key === 'q' ? 'search' : key.replace('_', ' ');
}
