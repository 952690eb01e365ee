/**
 * Tiny XML writer. Responses are built as strings; every text value goes through `esc`
 * so names and descriptions chosen by tests (quotes, ampersands, angle brackets) stay well-formed.
 */
export type XmlValue = string | number | boolean | undefined | null;

export function esc(v: XmlValue): string {
  return String(v)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A leaf element; omitted entirely when the value is undefined/null, as AWS omits unset fields. */
export function el(name: string, value: XmlValue): string {
  if (value === undefined || value === null) return '';
  return `<${name}>${esc(value)}</${name}>`;
}

/** An element whose children are already-rendered XML. */
export function node(name: string, ...children: string[]): string {
  return `<${name}>${children.join('')}</${name}>`;
}

/** EC2/STS lists: `<name><item>..</item><item>..</item></name>`; an empty list renders as `<name/>`. */
export function items<T>(name: string, list: readonly T[], render: (x: T) => string): string {
  if (list.length === 0) return `<${name}/>`;
  return `<${name}>${list.map((x) => `<item>${render(x)}</item>`).join('')}</${name}>`;
}

export function tagSet(tags: Record<string, string>): string {
  const entries = Object.entries(tags);
  if (entries.length === 0) return '';
  return items('tagSet', entries, ([k, v]) => el('key', k) + el('value', v));
}

export const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
