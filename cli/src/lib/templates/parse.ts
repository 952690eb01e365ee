import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { CwsError } from '../errors.js';
import { type Template, templateSchema } from './schema.js';

export interface TemplateIssue {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the field, e.g. `ami_config.ami_search.owner`; empty for a YAML syntax error. */
  field: string;
  message: string;
}

export class TemplateError extends CwsError {
  readonly file: string;
  readonly issues: TemplateIssue[];

  constructor(file: string, issues: TemplateIssue[]) {
    const lines = issues.map((i) => `  ${i.file}:${i.line}:${i.column}: ${i.field ? `${i.field}: ` : ''}${i.message}`);
    super(`${file} is not a valid template:\n${lines.join('\n')}`, {
      code: 'template_invalid',
      suggestions: [`fix the field(s) above, then check again: cws template validate ${file}`],
      data: { file, issues },
    });
    this.file = file;
    this.issues = issues;
  }
}

type Position = { line: number; column: number };

/** Where a path points in the document: the deepest node that exists (a missing field points at its parent). */
function locate(contents: Node | null, path: PropertyKey[], lines: LineCounter): Position {
  let node: unknown = contents;
  let offset = (contents as Node | null)?.range?.[0] ?? 0;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(key));
      if (!pair) break;
      offset = (pair.key as Node | null)?.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  const pos = lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function hasPath(data: unknown, path: PropertyKey[]): boolean {
  let cur: unknown = data;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || !(String(key) in (cur as object))) return false;
    cur = (cur as Record<string, unknown>)[String(key)];
  }
  return true;
}

function issueMessage(issue: z.core.$ZodIssue, data: unknown): string {
  if (issue.code === 'invalid_type' && !hasPath(data, issue.path)) {
    return `is required (${issue.expected})`;
  }
  // A bad map key (e.g. a region name): zod's own wording is "Invalid key in record"; the key's rule says more.
  if (issue.code === 'invalid_key' && issue.issues[0]) return issue.issues[0].message;
  return issue.message;
}

/** Parses and validates template YAML; every problem names the file, the line and the field. */
export function parseTemplate(text: string, file: string): Template {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new TemplateError(
      file,
      doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return {
          file,
          line: pos.line,
          column: pos.col,
          field: '',
          message: `YAML syntax: ${e.message.split('\n')[0]}`,
        };
      }),
    );
  }
  const data: unknown = doc.toJS({ maxAliasCount: 50 });
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new TemplateError(file, [
      { file, line: 1, column: 1, field: '', message: 'a template is a YAML mapping (name: ..., description: ...)' },
    ]);
  }
  const parsed = templateSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issues: TemplateIssue[] = [];
  for (const issue of parsed.error.issues) {
    // Unknown keys arrive as one issue on the parent; report each key where it is written.
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        issues.push({ file, ...locate(doc.contents, path, lines), field: path.join('.'), message: 'unknown field' });
      }
      continue;
    }
    issues.push({
      file,
      ...locate(doc.contents, issue.path, lines),
      field: issue.path.join('.'),
      message: issueMessage(issue, data),
    });
  }
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
  throw new TemplateError(file, issues);
}

export async function loadTemplateFile(file: string): Promise<Template> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CwsError(code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(err as Error).message}`, {
      code: code === 'ENOENT' ? 'file_not_found' : 'file_unreadable',
      suggestions: ['check the path'],
    });
  }
  return parseTemplate(text, file);
}
