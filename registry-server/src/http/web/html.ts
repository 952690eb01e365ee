/**
 * The template layer: a tagged template that escapes every interpolated value. Only values
 * already of type SafeHtml (made by `html` itself, or by `raw` for trusted constant markup)
 * pass through unescaped, so user text can only reach a page as text. Objects do not
 * type-check as children: a forgotten field access is a compile error, not "[object Object]".
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** What may be interpolated: markup, text, numbers, and nothing (null, undefined, booleans render empty). */
export type Child = SafeHtml | string | number | boolean | null | undefined | readonly Child[];

function render(value: Child): string {
  if (value === null || value === undefined || typeof value === 'boolean') return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return (value as readonly Child[]).map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Child[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Trusted markup, unescaped. Never pass it anything a user typed. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** A path with a query string, empty values left out; the result is escaped where it is used. */
export function href(path: string, params: Record<string, string | number | boolean | null | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '' || value === false) continue;
    search.set(key, String(value));
  }
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

/** The path of a listing page; owner and name are validated slugs, encoded anyway. */
export function listingPath(owner: string, name: string): string {
  return `/l/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
}
