import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  isRegistryError,
  type ListingTemplate,
  parseListingRef,
  summarizeTemplateRun,
  type Template,
  type TemplateRunSummary,
} from '@cws/shared';
import type { RegistryEntry } from '../config.js';
import { orderedRegistries } from '../config.js';
import type { CliContext } from '../context.js';
import { CwsError } from '../errors.js';
import { clientFor, pickRegistry, registryFailure } from '../registries.js';
import { BUILTIN_TEMPLATES_DIR } from './catalog.js';
import { parseTemplate } from './parse.js';

/** A template a registry keeps with a listing, checked here with the same schema as any local template. */
export interface RemoteTemplate {
  registry: string;
  registry_url: string;
  listing: string;
  version: string;
  version_status: ListingTemplate['version_status'];
  name: string;
  yaml: string;
  template: Template;
  /** What it does to a machine: base image, packages it installs, the setup script's lines, ports. */
  runs: TemplateRunSummary;
}

/** OWNER/NAME, when the argument is a listing reference rather than a template name or a file. */
export function listingRefArg(arg: string): { owner: string; name: string } | null {
  if (/\.ya?ml$/i.test(arg) || existsSync(arg)) return null;
  return parseListingRef(arg);
}

function usage(ref: string): CwsError {
  return new CwsError(`"${ref}" is not a listing reference (OWNER/NAME)`, {
    code: 'usage',
    suggestions: ['find listings with: cws ami browse --query WORDS'],
  });
}

async function fromRegistry(entry: RegistryEntry, ctx: CliContext, ref: string, version?: string) {
  const target = parseListingRef(ref);
  if (!target) throw usage(ref);
  const client = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs });
  let remote: ListingTemplate;
  try {
    remote = await client.getListingTemplate(target.owner, target.name, version);
  } catch (err) {
    if (isRegistryError(err) && err.status === 404) {
      throw new CwsError(`${entry.name}: ${err.message}`, {
        code: 'template_not_found',
        suggestions: /carries|without/.test(err.message)
          ? [
              'its publisher can add it: cws ami publish sends the template an image was built from',
              `see what the listing is for: cws ami info ${ref} --registry ${entry.name}`,
            ]
          : ['find listings with: cws ami browse --query WORDS', 'or ask another registry: --registry NAME'],
      });
    }
    throw registryFailure(err, entry, `get the template of ${ref}`);
  }
  // Checked here too: a registry is a third party, and the file lands beside the user's own templates.
  const template = parseTemplate(remote.yaml, `${entry.name}:${remote.listing}@${remote.version}`);
  if (template.name !== remote.name) {
    throw new CwsError(
      `${entry.name} sent a template named ${template.name} for ${remote.listing}, whose template is ${remote.name}`,
      { code: 'template_invalid' },
    );
  }
  return {
    registry: entry.name,
    registry_url: entry.url,
    listing: remote.listing,
    version: remote.version,
    version_status: remote.version_status,
    name: template.name,
    yaml: remote.yaml,
    template,
    runs: summarizeTemplateRun(template),
  } satisfies RemoteTemplate;
}

/** The template of listing OWNER/NAME on one registry (--registry, else the default one). */
export async function fetchListingTemplate(
  ctx: CliContext,
  ref: string,
  opts: { registry?: string | undefined; version?: string | undefined } = {},
): Promise<RemoteTemplate> {
  const entry = pickRegistry(await ctx.config(), opts.registry ?? (await ctx.defaultRegistry()));
  return fromRegistry(entry, ctx, ref, opts.version);
}

/** The template of listing OWNER/NAME from the first registry, in priority order, that has the listing. */
export async function findListingTemplate(ctx: CliContext, ref: string): Promise<RemoteTemplate> {
  const registries = orderedRegistries(await ctx.config());
  if (registries.length === 0) pickRegistry(await ctx.config(), undefined); // throws "no registry is configured"
  let first: unknown = null;
  for (const entry of registries) {
    try {
      return await fromRegistry(entry, ctx, ref);
    } catch (err) {
      first ??= err;
      if (!(err instanceof CwsError && err.code === 'template_not_found')) continue;
    }
  }
  throw first;
}

/** Lines that tell a person what a template will run, before they agree to keep it. */
export function describeTemplate(t: RemoteTemplate): string[] {
  const lines = [
    `Template ${t.name} from ${t.listing}@${t.version} on registry ${t.registry} (${t.registry_url})${
      t.version_status === 'active' ? '' : `; that version is ${t.version_status}`
    }`,
    `  ${t.template.description || '(no description)'}`,
    `  base image    ${t.runs.base_image}`,
    `  installs      ${t.runs.packages.join(', ') || '(no packages named on install lines)'}`,
    `  ports         ${t.runs.ports.join(', ')}`,
  ];
  if (t.runs.setup_script.length === 0) {
    lines.push('  setup script  none');
  } else {
    lines.push(`  setup script  ${t.runs.setup_script.length} lines, run as root on the first boot of a new instance:`);
    for (const l of t.runs.setup_script) lines.push(`    | ${l}`);
  }
  return lines;
}

export interface SavedTemplate {
  file: string;
  /** saved: new file; replaced: --force over a different one; unchanged: the same template was there. */
  action: 'saved' | 'replaced' | 'unchanged';
  /** A built-in template of that name exists: the saved one is used instead of it. */
  shadows_builtin: boolean;
}

const header = (t: RemoteTemplate, now: Date) =>
  `# Fetched by cws template fetch from registry ${t.registry} (${t.registry_url}): ${t.listing}@${t.version}, ${now.toISOString()}\n`;
const body = (text: string) => text.replace(/^# Fetched by cws template fetch [^\n]*\n/, '');

/** Where a template would be saved, and whether a different one is there already. */
export async function templateTarget(ctx: CliContext, t: RemoteTemplate) {
  const file = join(ctx.paths.templatesDir, `${t.name}.yml`);
  const builtin = join(BUILTIN_TEMPLATES_DIR, `${t.name}.yml`);
  const existing = existsSync(file) ? await readFile(file, 'utf8') : null;
  const shadows_builtin = existsSync(builtin);
  if (existing === null && shadows_builtin && (await readFile(builtin, 'utf8')) === t.yaml) {
    // The registry's copy is the built-in template itself: nothing to save.
    return { file: builtin, existing: 'same' as const, shadows_builtin: false };
  }
  return {
    file,
    existing:
      existing === null ? ('none' as const) : body(existing) === t.yaml ? ('same' as const) : ('different' as const),
    shadows_builtin,
  };
}

/** Refuses, before anyone is asked, to overwrite a different template of the user's without --force. */
export function refuseOverwrite(target: Awaited<ReturnType<typeof templateTarget>>, t: RemoteTemplate, force: boolean) {
  if (target.existing !== 'different' || force) return;
  throw new CwsError(`${target.file} exists and is a different template ${t.name}; it was left alone`, {
    code: 'template_exists',
    suggestions: [`compare them: cws template info ${target.file}`, "replace yours with the registry's: add --force"],
  });
}

/** Saves the template into the user's templates folder as NAME.yml (atomically), with where it came from. */
export async function saveTemplate(
  ctx: CliContext,
  t: RemoteTemplate,
  opts: { force: boolean; now?: Date },
): Promise<SavedTemplate> {
  const target = await templateTarget(ctx, t);
  if (target.existing === 'same')
    return { file: target.file, action: 'unchanged', shadows_builtin: target.shadows_builtin };
  refuseOverwrite(target, t, opts.force);
  await mkdir(ctx.paths.templatesDir, { recursive: true });
  const tmp = `${target.file}.${process.pid}.tmp`;
  await writeFile(tmp, header(t, opts.now ?? new Date()) + t.yaml, { mode: 0o644 });
  await rename(tmp, target.file);
  return {
    file: target.file,
    action: target.existing === 'different' ? 'replaced' : 'saved',
    shadows_builtin: target.shadows_builtin,
  };
}
