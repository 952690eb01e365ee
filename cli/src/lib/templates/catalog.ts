import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CwsError } from '../errors.js';
import type { TemplateError } from './parse.js';
import { type Template, templateSchema } from './schema.js';

/**
 * Shipped in the package beside dist/: cli/templates/*.yml. Found by walking up from this
 * module to the package root, so it is the same from dist/lib/templates/ and from the bundle.
 */
export const BUILTIN_TEMPLATES_DIR = packageTemplatesDir();

function packageTemplatesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'templates')))
      return `${join(dir, 'templates')}/`;
    const up = dirname(dir);
    if (up === dir) return fileURLToPath(new URL('../../../templates/', import.meta.url));
    dir = up;
  }
}

/**
 * The built-in templates as the build read them (cli/scripts/bundle.mjs): each file's text and its YAML as data,
 * so naming a built-in template does not load the YAML parser. Beside the bundle (the package carries it); absent
 * when only tsc ran.
 */
const COMPILED_TEMPLATES = join(BUILTIN_TEMPLATES_DIR, '..', 'dist', 'bundle', 'builtin-templates.json');

type CompiledTemplates = Record<string, { text: string; data: unknown }>;
let compiled: Promise<CompiledTemplates | null> | undefined;

/**
 * A built-in template from the build's copy: validated by the same schema as a parsed file (its defaults and
 * transforms apply), and only while the file's text is still what was built (an edited file is parsed afresh).
 */
export async function compiledTemplate(file: string): Promise<Template | undefined> {
  compiled ??= readFile(COMPILED_TEMPLATES, 'utf8').then(
    (text) => JSON.parse(text) as CompiledTemplates,
    () => null,
  );
  const entry = (await compiled)?.[basename(file)];
  if (!entry) return undefined;
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text !== entry.text) return undefined;
  const parsed = templateSchema.safeParse(entry.data);
  return parsed.success ? parsed.data : undefined;
}

async function loadTemplateFile(file: string): Promise<Template> {
  const parse = await import('./parse.js');
  return parse.loadTemplateFile(file);
}

export type TemplateSource = 'builtin' | 'user' | 'file';

export interface CatalogEntry {
  name: string;
  source: TemplateSource;
  file: string;
  template?: Template;
  /** Set when the file does not parse; the entry is listed so the user sees the problem. */
  error?: TemplateError | CwsError;
}

export interface LoadedTemplate {
  template: Template;
  source: TemplateSource;
  file: string;
}

const isYaml = (f: string) => ['.yml', '.yaml'].includes(extname(f).toLowerCase());

async function yamlFiles(dir: string): Promise<string[]> {
  try {
    const names = await readdir(dir);
    return names
      .filter(isYaml)
      .sort()
      .map((n) => join(dir, n));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new CwsError(`cannot read the templates folder ${dir}: ${(err as Error).message}`, {
      code: 'templates_unreadable',
    });
  }
}

async function loadEntry(file: string, source: TemplateSource): Promise<CatalogEntry> {
  const stem = basename(file, extname(file));
  try {
    const template =
      (source === 'builtin' ? await compiledTemplate(file) : undefined) ?? (await loadTemplateFile(file));
    return { name: template.name, source, file, template };
  } catch (err) {
    if (err instanceof CwsError) return { name: stem, source, file, error: err };
    throw err;
  }
}

/** Every template: the user's folder first, so a user template shadows a built-in one of the same name. */
export async function listTemplates(userDir: string): Promise<CatalogEntry[]> {
  const [user, builtin] = await Promise.all([yamlFiles(userDir), yamlFiles(BUILTIN_TEMPLATES_DIR)]);
  const entries = await Promise.all([
    ...user.map((f) => loadEntry(f, 'user')),
    ...builtin.map((f) => loadEntry(f, 'builtin')),
  ]);
  const seen = new Set<string>();
  return entries.filter((e) => {
    if (seen.has(e.name)) return false;
    seen.add(e.name);
    return true;
  });
}

/** A template by name, or by path when the argument looks like one (contains a slash or ends in .yml/.yaml). */
export async function findTemplate(nameOrPath: string, userDir: string): Promise<LoadedTemplate> {
  if (nameOrPath.includes('/') || nameOrPath.includes('\\') || isYaml(nameOrPath)) {
    return { template: await loadTemplateFile(nameOrPath), source: 'file', file: nameOrPath };
  }
  // Usually the file is NAME.yml: try that first (user folder, then built-in) before reading every template.
  for (const [dir, source] of [
    [userDir, 'user'],
    [BUILTIN_TEMPLATES_DIR, 'builtin'],
  ] as const) {
    for (const ext of ['.yml', '.yaml']) {
      const file = join(dir, `${nameOrPath}${ext}`);
      if (!existsSync(file)) continue;
      const entry = await loadEntry(file, source);
      if (entry.error) throw entry.error;
      if (entry.template?.name === nameOrPath) return { template: entry.template, source, file };
    }
  }
  const entries = await listTemplates(userDir);
  const hit = entries.find((e) => e.name === nameOrPath);
  if (hit?.error) throw hit.error;
  if (hit?.template) return { template: hit.template, source: hit.source, file: hit.file };
  const names = entries.filter((e) => e.template).map((e) => e.name);
  throw new CwsError(`no template named "${nameOrPath}"`, {
    code: 'template_not_found',
    suggestions: [
      `available templates: ${names.join(', ') || '(none)'}; see: cws templates`,
      `get it with a registry listing made from it: cws ami browse --template ${nameOrPath}, then cws template fetch OWNER/NAME`,
      `or add ${join(userDir, `${nameOrPath}.yml`)}`,
    ],
  });
}
