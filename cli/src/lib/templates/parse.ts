import { readFile } from 'node:fs/promises';
import type { Template } from '@cws/shared/templates/schema';
import { checkTemplate, formatTemplateIssues, type TemplateIssue } from '@cws/shared/templates/validate';
import { CwsError } from '../errors.js';

export type { TemplateIssue };

export class TemplateError extends CwsError {
  readonly file: string;
  readonly issues: TemplateIssue[];

  constructor(file: string, issues: TemplateIssue[]) {
    const lines = formatTemplateIssues(issues).map((l) => `  ${l}`);
    super(`${file} is not a valid template:\n${lines.join('\n')}`, {
      code: 'template_invalid',
      suggestions: [`fix the field(s) above, then check again: cws template validate ${file}`],
      data: { file, issues },
    });
    this.file = file;
    this.issues = issues;
  }
}

/**
 * Parses and validates template YAML; every problem names the file, the line and the field. The schema and the
 * checks live in @cws/shared: a registry checks a published template with the same ones.
 */
export function parseTemplate(text: string, file: string): Template {
  const checked = checkTemplate(text, file);
  if (!checked.ok) throw new TemplateError(file, checked.issues);
  return checked.template;
}

export async function loadTemplateFile(file: string): Promise<Template> {
  return parseTemplate(await readTemplateText(file), file);
}

export async function readTemplateText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CwsError(code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(err as Error).message}`, {
      code: code === 'ENOENT' ? 'file_not_found' : 'file_unreadable',
      suggestions: ['check the path'],
    });
  }
}
