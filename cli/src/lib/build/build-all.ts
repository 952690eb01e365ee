import type { CliContext } from '../context.js';
import { CwsError, EXIT, type ExitCode } from '../errors.js';
import { listTemplates } from '../templates/catalog.js';
import { type BuildHooks, type BuildOptions, build } from './build.js';

export interface BuildAllRow {
  template: string;
  status: 'complete' | 'partial' | 'failed' | 'skipped';
  build_id: string | null;
  image_id: string | null;
  images: Record<string, string>;
  seconds: number;
  error: string | null;
  exit: number;
}

export interface BuildAllResult {
  results: BuildAllRow[];
  built: number;
  failed: number;
}

/** Builds each of the user's templates (or those named) in turn; one failing does not stop the others. */
export async function buildAll(
  ctx: CliContext,
  opts: Omit<BuildOptions, 'template'> & { templates?: string[] | undefined },
  hooks: BuildHooks,
): Promise<BuildAllResult> {
  const entries = (await listTemplates(ctx.paths.templatesDir)).filter((e) => e.source === 'user');
  const wanted = opts.templates?.length ? new Set(opts.templates) : null;
  const chosen = wanted ? entries.filter((e) => wanted.has(e.name)) : entries;
  const missing = wanted ? [...wanted].filter((n) => !entries.some((e) => e.name === n)) : [];
  if (missing.length) {
    throw new CwsError(`not among your templates: ${missing.join(', ')}`, {
      code: 'template_not_found',
      suggestions: [`your templates are in ${ctx.paths.templatesDir}; see them with: cws templates`],
    });
  }
  if (chosen.length === 0) {
    throw new CwsError(`there are no templates in ${ctx.paths.templatesDir} to build`, {
      code: 'nothing_to_build',
      suggestions: ['add NAME.yml there, or build a built-in one: cws ami build python-ml'],
    });
  }
  const results: BuildAllRow[] = [];
  for (const [i, entry] of chosen.entries()) {
    const started = Date.now();
    const seconds = () => Math.round((Date.now() - started) / 1000);
    if (!entry.template) {
      results.push({
        template: entry.name,
        status: 'skipped',
        build_id: null,
        image_id: null,
        images: {},
        seconds: 0,
        error: `does not load: ${entry.error?.message ?? 'invalid'}`,
        exit: EXIT.invalidInput,
      });
      continue;
    }
    if (!entry.template.setup_script?.trim() && entry.template.validation_tests.length === 0) {
      results.push({
        template: entry.name,
        status: 'skipped',
        build_id: null,
        image_id: null,
        images: {},
        seconds: 0,
        error: 'no setup_script or validation_tests: nothing to build',
        exit: 0,
      });
      continue;
    }
    hooks.tell(`[${i + 1}/${chosen.length}] Building ${entry.name}`);
    try {
      const r = await build(ctx, { ...opts, template: entry.file }, hooks);
      results.push({
        template: entry.name,
        status: r.status === 'partial' ? 'partial' : 'complete',
        build_id: r.build_id,
        image_id: r.image_id,
        images: r.images,
        seconds: seconds(),
        error: null,
        exit: 0,
      });
    } catch (err) {
      const e = err instanceof CwsError ? err : undefined;
      results.push({
        template: entry.name,
        status: 'failed',
        build_id: (e?.data?.['build_id'] as string | undefined) ?? null,
        image_id: null,
        images: {},
        seconds: seconds(),
        error: (err as Error).message.split('\n')[0] ?? String(err),
        exit: (e?.exit ?? EXIT.failure) as ExitCode,
      });
      if (opts.signal?.aborted) break;
    }
  }
  return {
    results,
    built: results.filter((r) => r.status === 'complete' || r.status === 'partial').length,
    failed: results.filter((r) => r.status === 'failed').length,
  };
}
