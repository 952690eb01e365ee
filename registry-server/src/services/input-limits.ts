import { ValidationError } from '../errors.js';

/** Deepest nesting of arrays and objects a JSON or YAML body may have. */
export const MAX_NESTING = 64;

/**
 * How deep the brackets of a JSON text nest, strings skipped. Runs over the raw bytes before
 * JSON.parse and zod, whose recursion a deep enough document would exhaust.
 */
export function jsonNesting(text: string | Buffer, stopAbove = MAX_NESTING): number {
  const s = typeof text === 'string' ? Buffer.from(text) : text;
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > stopAbove) return max;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/**
 * A conservative bound on how deep a YAML text nests: flow brackets (as JSON, quotes skipped
 * roughly) and block nesting (indentation plus `- ` sequence markers on a line). A registry
 * index nests four levels; anything near the bound is refused before the parser recurses.
 */
export function yamlNesting(text: string, stopAbove = MAX_NESTING): number {
  let max = 0;
  for (const line of text.split('\n')) {
    const m = /^([ \t]*)((?:-[ \t]+)*)/.exec(line)!;
    const block = Math.floor(m[1]!.length / 2) + (m[2]!.match(/-/g)?.length ?? 0);
    if (block > max) max = block;
    if (max > stopAbove) return max;
  }
  return Math.max(max, jsonNesting(text.replace(/'[^'\n]*'|#[^\n]*/g, ''), stopAbove));
}

export function assertNesting(depth: number, what: string): void {
  if (depth > MAX_NESTING) {
    throw new ValidationError(`${what} nests deeper than ${MAX_NESTING} levels`, [
      { path: 'body', message: `nested more than ${MAX_NESTING} levels` },
    ]);
  }
}

/** The first path in a parsed value (query or body) whose string holds a NUL character, or null. */
export function findNul(value: unknown, path = '', seen = 0): string | null {
  if (seen > MAX_NESTING) return null;
  if (typeof value === 'string') return value.includes('\u0000') ? path || '(value)' : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findNul(value[i], `${path}[${i}]`, seen + 1);
      if (hit) return hit;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000')) return `${path}.${k.replaceAll('\u0000', '\\0')}`;
      const hit = findNul(v, path ? `${path}.${k}` : k, seen + 1);
      if (hit) return hit;
    }
  }
  return null;
}
