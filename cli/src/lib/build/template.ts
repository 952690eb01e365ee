import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { CliContext } from '../context.js';
import { writeFileAtomic } from '../files.js';
import type { LoadedTemplate } from '../templates/catalog.js';
import { parseTemplate } from '../templates/parse.js';

/**
 * Records built images in the template's `ami_config.ami_mappings` (region -> architecture -> id), as `cws save`
 * does. A template in the user's folder (or named by path) is edited in place, comments and order kept; a built-in
 * one is copied to the user's folder first, where it shadows the built-in. The result is checked with the template
 * schema before it replaces anything.
 */
export async function writeBuiltMappings(
  ctx: CliContext,
  loaded: LoadedTemplate,
  architecture: string,
  images: Record<string, string>,
  note: string,
): Promise<string> {
  const target =
    loaded.source === 'builtin' ? join(ctx.paths.templatesDir, `${loaded.template.name}.yml`) : loaded.file;
  const doc = parseDocument(await readFile(loaded.file, 'utf8'));
  if (!doc.hasIn(['ami_config'])) doc.setIn(['ami_config'], doc.createNode({ strategy: 'ami_preferred' }));
  for (const [region, id] of Object.entries(images))
    doc.setIn(['ami_config', 'ami_mappings', region, architecture], id);
  const text = `${loaded.source === 'builtin' ? `# ${note}\n` : ''}${doc.toString()}`;
  parseTemplate(text, target);
  await writeFileAtomic(target, text, 0o644, 0o755);
  return target;
}
