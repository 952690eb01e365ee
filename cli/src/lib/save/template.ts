import { join } from 'node:path';
import { stringify } from 'yaml';
import type { CliContext } from '../context.js';
import { writeFileAtomic } from '../files.js';
import type { SaveRecord } from '../state.js';
import { findTemplate } from '../templates/catalog.js';
import { type Template, templateSchema } from '../templates/schema.js';

/**
 * The user template a save leaves behind: the source template's settings, with `ami_config.ami_mappings` holding
 * the new images (region -> architecture -> id) and `saved_from` saying where they came from. The setup script is
 * kept so the template still works (script fallback) in regions without an image.
 */
export async function writeSavedTemplate(
  ctx: CliContext,
  record: SaveRecord,
  images: Record<string, string>,
): Promise<string> {
  const source = await findTemplate(record.source_template, ctx.paths.templatesDir)
    .then((t) => t.template)
    .catch(() => undefined);
  const arch = (record.architecture === 'arm64' ? 'arm64' : 'x86_64') as 'x86_64' | 'arm64';
  const mappings = Object.fromEntries(Object.entries(images).map(([region, id]) => [region, { [arch]: id }]));
  const draft: Record<string, unknown> = {
    name: record.template_name,
    display_name: record.template_name,
    description: record.description,
    ...(source?.category ? { category: source.category } : {}),
    base_image: source?.base_image ?? 'ubuntu-24.04',
    architectures: [arch],
    regions: Object.keys(images),
    ami_config: {
      strategy: 'ami_preferred',
      ami_mappings: mappings,
      fallback_strategy: 'script',
      preferred_architecture: arch,
    },
    ...(source?.setup_script ? { setup_script: source.setup_script } : {}),
    ...(source?.estimated_setup_time ? { estimated_setup_time: source.estimated_setup_time } : {}),
    ports: source?.ports ?? [22],
    ...(source?.validation_tests?.length ? { validation_tests: source.validation_tests } : {}),
    ...(source?.estimated_cost_per_hour ? { estimated_cost_per_hour: source.estimated_cost_per_hour } : {}),
    saved_from: {
      instance: record.instance,
      instance_id: record.instance_id,
      region: record.region,
      original_template: record.source_template,
      saved_by: record.creator,
      saved_at: record.started_at,
      save_id: record.id,
      ...(record.parent_ami ? { parent_ami: record.parent_ami } : {}),
      ...(record.parent_listing ? { parent_listing: record.parent_listing } : {}),
    },
  };
  // Checked with the same schema `cws template validate` uses, so a saved template always loads.
  const template: Template = templateSchema.parse(JSON.parse(JSON.stringify(draft)));
  const file = join(ctx.paths.templatesDir, `${record.template_name}.yml`);
  const header = `# Saved by cws save from ${record.instance} (${record.instance_id}) on ${record.started_at}.\n`;
  await writeFileAtomic(file, header + stringify(strip(template, draft)), 0o644, 0o755);
  return file;
}

/** Writes only the fields the draft set (not every schema default), keeping the file short. */
function strip(template: Template, draft: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(template).filter(([k]) => k in draft && draft[k] !== undefined));
}
