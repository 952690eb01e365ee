import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { TEMPLATE_MAX_BYTES } from './limits.js';
import { type Template, templateSchema } from './schema.js';

/**
 * Template YAML checked the same way by the CLI (`cws template validate`, every command that reads a template) and
 * by the registry (a template sent with `cws ami publish`): one schema, one set of messages.
 */
export interface TemplateIssue {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the field, e.g. `ami_config.ami_search.owner`; empty for a YAML syntax error. */
  field: string;
  message: string;
}

export type TemplateCheck = { ok: true; template: Template } | { ok: false; issues: TemplateIssue[] };

export { TEMPLATE_MAX_BYTES };

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
export function checkTemplate(text: string, file: string): TemplateCheck {
  if (Buffer.byteLength(text, 'utf8') > TEMPLATE_MAX_BYTES) {
    return {
      ok: false,
      issues: [{ file, line: 1, column: 1, field: '', message: `is larger than ${TEMPLATE_MAX_BYTES / 1024} kB` }],
    };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return {
          file,
          line: pos.line,
          column: pos.col,
          field: '',
          message: `YAML syntax: ${e.message.split('\n')[0]}`,
        };
      }),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    return { ok: false, issues: [{ file, line: 1, column: 1, field: '', message: `YAML: ${(err as Error).message}` }] };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return {
      ok: false,
      issues: [
        { file, line: 1, column: 1, field: '', message: 'a template is a YAML mapping (name: ..., description: ...)' },
      ],
    };
  }
  const parsed = templateSchema.safeParse(data);
  if (parsed.success) return { ok: true, template: parsed.data };
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
  return { ok: false, issues };
}

/** One line per issue, `file:line:column: field: message`. */
export function formatTemplateIssues(issues: TemplateIssue[]): string[] {
  return issues.map((i) => `${i.file}:${i.line}:${i.column}: ${i.field ? `${i.field}: ` : ''}${i.message}`);
}

/** What a template does to a machine, for a person deciding whether to run it: packages and the script's lines. */
export interface TemplateRunSummary {
  base_image: string;
  /** Packages the setup script installs (apt, dnf/yum, pip, conda, R, Julia), as written. */
  packages: string[];
  /** The setup script, line by line (empty: none). */
  setup_script: string[];
  ports: number[];
  validation_tests: string[];
}

const INSTALLERS: RegExp[] = [
  /\b(?:apt-get|apt|dnf|yum)\s+install\s+(.+)/,
  /\bpip3?\s+install\s+(.+)/,
  /\bconda\s+install\s+(.+)/,
  /\bmamba\s+install\s+(.+)/,
  /\binstall\.packages\(\s*c?\(?([^)]*)\)?/,
  /\bPkg\.add\(\s*\[?([^\])]*)\]?\)/,
];

/** Packages named on install lines; flags, URLs and shell syntax are left out. */
export function templatePackages(script: string | undefined): string[] {
  const found: string[] = [];
  for (const raw of (script ?? '').split('\n')) {
    const line = raw.replace(/#.*$/, '');
    for (const re of INSTALLERS) {
      const m = re.exec(line);
      if (!m?.[1]) continue;
      for (const word of (m[1].split(/&&|\|\||[;|]/)[0] ?? '').split(/[\s,]+/)) {
        const w = word.replace(/^["']|["']$/g, '');
        if (!w || w.startsWith('-') || w.includes('://') || /[;&|<>$`()=]/.test(w)) continue;
        if (!found.includes(w)) found.push(w);
      }
    }
  }
  return found;
}

export function summarizeTemplateRun(t: Template): TemplateRunSummary {
  return {
    base_image: typeof t.base_image === 'string' ? t.base_image : JSON.stringify(t.base_image),
    packages: templatePackages(t.setup_script),
    setup_script: t.setup_script ? t.setup_script.replace(/\n$/, '').split('\n') : [],
    ports: t.ports,
    validation_tests: t.validation_tests.map((v) => `${v.name}: ${v.command}`),
  };
}
