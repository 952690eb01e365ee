import { randomBytes } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Architecture } from '@cws/shared';
import type { AwsGateway } from '../aws/gateway.js';
import { pollUntil } from '../aws/poll.js';
import { throwIfAborted } from '../aws/ssm-ops.js';
import type { CliContext } from '../context.js';
import { CwsError } from '../errors.js';
import { checkImageOnInstance } from '../hygiene/check.js';
import type { HygieneFinding } from '../hygiene/scripts.js';
import { cleanScript } from '../hygiene/scripts.js';
import { defaultInstanceType, type Progress, waitForState } from '../instances/launch.js';
import { instanceProfile } from '../remote/instance-profile.js';
import { launchManaged, terminateQuietly } from '../remote/scratch.js';
import { DEFAULT_TEST_TIMEOUT_SECONDS, runValidationTests, type TestResult } from '../remote/validation.js';
import { runResolve } from '../resolve/run.js';
import { creatorName, type Tell } from '../save/save.js';
import { type BuildRecord, LocalState } from '../state.js';
import { findTemplate } from '../templates/catalog.js';
import { durationSeconds } from '../templates/schema.js';
import { writeBuiltMappings } from './template.js';

export interface BuildOptions {
  template: string;
  region?: string | undefined;
  architecture?: Architecture | undefined;
  copyToRegions: string[];
  instanceType?: string | undefined;
  instanceProfile?: string | undefined;
  keepBuilder: boolean;
  testTimeoutSeconds?: number | undefined;
  setupTimeoutSeconds?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface BuildHooks {
  progress: Progress;
  tell: Tell;
  /** The setup script's output as it arrives. */
  output: (chunk: string) => void;
}

export interface BuildResult {
  build_id: string;
  status: BuildRecord['status'];
  template: string;
  region: string;
  architecture: string;
  base_ami: string;
  instance_id: string | null;
  /** terminated, kept (--keep-builder), or why it could not be terminated. */
  builder: string;
  image_id: string | null;
  image_name: string;
  images: Record<string, string>;
  copy_errors: Record<string, string>;
  tests: TestResult[];
  hygiene: { removed: string[]; findings: HygieneFinding[] };
  log_file: string;
  template_file: string | null;
  warnings: string[];
}

const IMAGE_WAIT_MS = 90 * 60_000;
const DEFAULT_SETUP_SECONDS = 3600;

const stamp = (d = new Date()) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, '')
    .replace('T', '-');

/** The setup script's time limit: the flag, else three times the template's estimate, else its fallback timeout. */
function setupLimit(
  opts: BuildOptions,
  t: { estimated_setup_time?: string | undefined; fallback?: string | undefined },
) {
  if (opts.setupTimeoutSeconds) return opts.setupTimeoutSeconds;
  const est = t.estimated_setup_time ? durationSeconds(t.estimated_setup_time) * 3 : Number.NaN;
  const fb = t.fallback ? durationSeconds(t.fallback) : Number.NaN;
  const best = Math.max(Number.isFinite(est) ? est : 0, Number.isFinite(fb) ? fb : 0);
  return best > 0 ? Math.min(172800, best) : DEFAULT_SETUP_SECONDS;
}

async function log(file: string, text: string): Promise<void> {
  await appendFile(file, text, { mode: 0o600 });
}

/**
 * Seed 003's build: base image as the script tier finds it, a builder with IMDSv2 and an instance profile, the setup
 * script over SSM (output streamed and logged), the validation tests, the clean-up for sharing, stop, CreateImage,
 * copies, the template's ami_mappings. Recorded from the start so an interrupted build can be resumed or cleaned up;
 * the builder is terminated whatever happens unless --keep-builder.
 */
export async function build(ctx: CliContext, opts: BuildOptions, hooks: BuildHooks): Promise<BuildResult> {
  const loaded = await findTemplate(opts.template, ctx.paths.templatesDir);
  const t = loaded.template;
  hooks.progress(`Finding the base image for ${t.name}`);
  const base = await runResolve(ctx, opts.template, {
    region: opts.region,
    architecture: opts.architecture,
    strategy: 'script_only',
    cache: false,
  });
  const state = new LocalState(ctx.paths.stateDir);
  const now = new Date();
  const id = `build-${stamp(now).toLowerCase()}-${randomBytes(3).toString('hex')}`;
  const logDir = join(ctx.paths.stateDir, 'builds');
  await mkdir(logDir, { recursive: true, mode: 0o700 });
  const who = await creatorName(ctx);
  const record: BuildRecord = {
    id,
    template: t.name,
    template_file: loaded.file,
    region: base.region,
    architecture: base.architecture,
    base_ami: base.ami_id,
    instance_type: opts.instanceType ?? defaultInstanceType(base.architecture),
    instance_profile: await instanceProfile(ctx, opts.instanceProfile),
    instance_id: null,
    keep_builder: opts.keepBuilder,
    image_name: `cws-${t.name}-build-${stamp(now)}`.slice(0, 128),
    description:
      `${t.display_name ?? t.name}${t.version ? ` ${t.version}` : ''}, built by cws from template ${t.name} on ${base.ami_id}`.slice(
        0,
        255,
      ),
    creator: who,
    copy_to_regions: [...new Set(opts.copyToRegions)].filter((r) => r !== base.region),
    status: 'started',
    images: {},
    copy_errors: {},
    tests: [],
    hygiene_findings: [],
    log_file: join(logDir, `${id}.log`),
    written_template: null,
    error: null,
    started_at: now.toISOString(),
    updated_at: now.toISOString(),
  };
  await state.putBuild(record);
  await log(
    record.log_file,
    `# cws ami build ${t.name}: ${id}, ${base.region} ${base.architecture}, base ${base.ami_id}\n`,
  );
  const ec2 = await ctx.aws();
  const ssm = ec2;
  const warnings: string[] = [];
  let tests: TestResult[] = [];
  let removed: string[] = [];
  let findings: HygieneFinding[] = [];
  let instanceId: string | null = null;
  let builder = 'not launched';
  try {
    await state.patchBuild(id, { status: 'launching' });
    const inst = await launchManaged(ec2, ssm, {
      region: record.region,
      imageId: record.base_ami,
      architecture: record.architecture,
      instanceType: record.instance_type,
      instanceProfile: record.instance_profile,
      tags: { Name: `cws-build-${t.name}`, 'cws:build': id, 'cws:role': 'builder', 'cws:template': t.name },
      progress: hooks.progress,
      signal: opts.signal,
      onLaunched: async (i) => {
        instanceId = i.instance_id;
        await state.patchBuild(id, { instance_id: i.instance_id });
      },
    });
    const builderId = inst.instance_id;

    if (t.setup_script?.trim()) {
      await state.patchBuild(id, { status: 'setup' });
      const limit = setupLimit(opts, {
        estimated_setup_time: t.estimated_setup_time,
        fallback: t.ami_config.fallback_timeout,
      });
      hooks.progress(`Running the setup script on ${builderId} (time limit ${limit} s)`);
      await log(record.log_file, `\n## setup script (time limit ${limit} s)\n`);
      const setup = await ssm.runScript(record.region, builderId, t.setup_script, {
        timeoutSeconds: limit,
        comment: `cws build ${id}: setup`,
        signal: opts.signal,
        onOutput: (chunk) => {
          hooks.output(chunk);
          void log(record.log_file, chunk);
        },
      });
      if (setup.stderr) await log(record.log_file, `\n## setup script stderr\n${setup.stderr}`);
      if (setup.status !== 'Success') {
        const why = setup.timed_out ? `timed out after ${limit} s` : `exit code ${setup.exit_code}`;
        throw new CwsError(
          `the setup script failed (${why}); no image was made. Last output:\n${tail(setup.stdout + setup.stderr)}`,
          {
            code: 'setup_failed',
            data: { exit_code: setup.exit_code, timed_out: setup.timed_out },
          },
        );
      }
    }

    await state.patchBuild(id, { status: 'testing' });
    tests = await runValidationTests(ssm, record.region, builderId, t.validation_tests, {
      timeoutSeconds: opts.testTimeoutSeconds ?? DEFAULT_TEST_TIMEOUT_SECONDS,
      progress: hooks.progress,
      signal: opts.signal,
    });
    for (const r of tests) {
      await log(
        record.log_file,
        `\n## test: ${r.name}: ${r.passed ? 'passed' : `FAILED (${r.reason})`}\n${r.output}\n`,
      );
    }
    await state.patchBuild(id, { tests: tests.map((r) => ({ name: r.name, passed: r.passed })) });
    const failed = tests.find((r) => !r.passed);
    if (failed) {
      throw new CwsError(
        `validation test "${failed.name}" failed (${failed.reason}); no image was made. Its output:\n${tail(failed.output) || '(none)'}`,
        { code: 'tests_failed', data: { failed_test: failed.name, tests } },
      );
    }

    await state.patchBuild(id, { status: 'cleaning' });
    hooks.progress('Cleaning the image for sharing');
    const clean = await ssm.runScript(record.region, builderId, cleanScript(), {
      timeoutSeconds: 300,
      comment: `cws build ${id}: clean-up`,
      signal: opts.signal,
    });
    removed = clean.stdout.split('\n').filter((l) => l.startsWith('removed ') || l.startsWith('cloud-init clean'));
    await log(record.log_file, `\n## clean-up\n${clean.stdout}${clean.stderr}`);
    if (clean.status !== 'Success')
      warnings.push(`the clean-up script failed (exit ${clean.exit_code}): ${tail(clean.stderr)}`);
    findings = await checkImageOnInstance(ssm, record.region, builderId, Date.now() / 1000, opts.signal);
    await state.patchBuild(id, { hygiene_findings: findings });
    for (const f of findings) warnings.push(`hygiene: ${f.check} in ${f.file}: ${f.fix}`);

    await state.patchBuild(id, { status: 'stopping' });
    hooks.progress(`Stopping ${builderId}`);
    await ec2.changeState(record.region, builderId, 'stop');
    await waitForState(ec2, record.region, builderId, 'stopped', hooks.progress);
    throwIfAborted(opts.signal);
    await createAndWait(ec2, state, record, builderId, hooks.progress);
    const result = await finish(ctx, ec2, state, id, hooks, warnings);
    builder = opts.keepBuilder ? 'kept' : await terminateQuietly(ec2, record.region, builderId);
    hooks.tell(`Built ${result.image_id} from ${t.name}; the builder ${builderId} is ${builder}.`);
    return { ...result, builder, instance_id: builderId, tests, hygiene: { removed, findings } };
  } catch (err) {
    if (instanceId && !opts.keepBuilder) builder = await terminateQuietly(ec2, record.region, instanceId);
    else if (instanceId) builder = 'kept';
    const cause = err instanceof Error ? err.message : String(err);
    const step = (await state.read()).builds.find((b) => b.id === id)?.status ?? 'started';
    const saved = await state.patchBuild(id, {
      status: 'failed',
      last_step: step,
      error: cause.split('\n')[0] ?? cause,
    });
    await log(record.log_file, `\n## failed: ${cause}\n`);
    const image = saved.images[saved.region];
    const e = err instanceof CwsError ? err : undefined;
    throw new CwsError(`build ${id} failed: ${cause}`, {
      code: e?.code ?? 'build_failed',
      suggestions: [
        ...(image
          ? [
              `image ${image} was started; finish with: cws ami build --resume ${id}, or remove it: cws ami build --cleanup ${id}`,
            ]
          : []),
        ...(instanceId && opts.keepBuilder
          ? [`the builder ${instanceId} is kept; remove it with: cws ami build --cleanup ${id}`]
          : []),
        `the full log: ${record.log_file}`,
      ],
      data: {
        ...(e?.data ?? {}),
        build_id: id,
        instance_id: instanceId,
        builder,
        images: saved.images,
        tests,
        log_file: record.log_file,
      },
      cause: err,
    });
  }
}

function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

async function createAndWait(
  ec2: AwsGateway,
  state: LocalState,
  record: BuildRecord,
  builderId: string,
  progress: Progress,
) {
  await state.patchBuild(record.id, { status: 'creating' });
  progress(`Creating image ${record.image_name}`);
  const imageId = await ec2.createImage(
    record.region,
    builderId,
    record.image_name,
    record.description,
    imageTags(record),
    false,
  );
  await state.patchBuild(record.id, { status: 'waiting', images: { [record.region]: imageId } });
  await waitForImage(ec2, record.region, imageId, progress);
}

function imageTags(r: BuildRecord): Record<string, string> {
  return {
    Name: r.image_name,
    'cws:build': r.id,
    'cws:template': r.template,
    'cws:source-template': r.template,
    'cws:base-ami': r.base_ami,
    'cws:creator': r.creator,
    'cws:built-by': 'cws ami build',
    'cws:tests': r.tests.length ? `${r.tests.filter((x) => x.passed).length}/${r.tests.length} passed` : 'none',
  };
}

async function waitForImage(ec2: AwsGateway, region: string, imageId: string, progress: Progress): Promise<void> {
  const img = await pollUntil(
    () => ec2.describeImage(region, imageId),
    (i) => !i || i.state !== 'pending',
    {
      timeoutMs: IMAGE_WAIT_MS,
      what: `${imageId} to be available`,
      onTick: (i, ms) => progress(`${imageId} in ${region} is ${i?.state ?? 'missing'} (${Math.round(ms / 1000)} s)`),
    },
  );
  if (!img || img.state !== 'available') {
    throw new CwsError(
      `${imageId} in ${region} is ${img?.state ?? 'gone'}${img?.state_reason ? `: ${img.state_reason}` : ''}`,
      {
        code: 'image_failed',
      },
    );
  }
}

/** After the image is available: copies (a failed one is reported, the rest kept), the template, the record. */
async function finish(
  ctx: CliContext,
  ec2: AwsGateway,
  state: LocalState,
  id: string,
  hooks: BuildHooks,
  warnings: string[],
): Promise<Omit<BuildResult, 'builder' | 'instance_id' | 'tests' | 'hygiene'>> {
  let record = await state.patchBuild(id, { status: 'copying' });
  const source = record.images[record.region] as string;
  const images = { ...record.images };
  const copyErrors: Record<string, string> = {};
  for (const target of record.copy_to_regions) {
    try {
      hooks.progress(`Copying ${source} to ${target}`);
      const earlier = images[target] ?? (await ec2.findOwnImagesByTag(target, 'cws:build', id))[0]?.image_id;
      const copyId =
        earlier ??
        (await ec2.copyImage(target, record.region, source, record.image_name, record.description, imageTags(record)));
      images[target] = copyId;
      await state.patchBuild(id, { images: { ...images } });
      await waitForImage(ec2, target, copyId, hooks.progress);
    } catch (err) {
      copyErrors[target] = (err as Error).message;
      warnings.push(`the copy to ${target} failed (${(err as Error).message}); ${source} in ${record.region} is kept`);
    }
  }
  const mapped = Object.fromEntries(Object.entries(images).filter(([r]) => !copyErrors[r]));
  const loaded = await findTemplate(record.template_file, ctx.paths.templatesDir).catch(() =>
    findTemplate(record.template, ctx.paths.templatesDir),
  );
  const file = await writeBuiltMappings(
    ctx,
    loaded,
    record.architecture,
    mapped,
    `Built by cws ami build ${id} on ${record.started_at}.`,
  );
  record = await state.patchBuild(id, {
    status: Object.keys(copyErrors).length ? 'partial' : 'complete',
    images,
    copy_errors: copyErrors,
    written_template: file,
    error: null,
  });
  return {
    build_id: id,
    status: record.status,
    template: record.template,
    region: record.region,
    architecture: record.architecture,
    base_ami: record.base_ami,
    image_id: source,
    image_name: record.image_name,
    images,
    copy_errors: copyErrors,
    log_file: record.log_file,
    template_file: file,
    warnings,
  };
}

async function pickBuild(state: LocalState, id: string | undefined, unfinished: boolean): Promise<BuildRecord> {
  const builds = (await state.read()).builds;
  const hit = id
    ? builds.find((b) => b.id === id)
    : builds.filter((b) => !unfinished || !['complete', 'cleaned'].includes(b.status)).at(-1);
  if (!hit) {
    throw new CwsError(id ? `no build ${id} is recorded` : 'no unfinished build is recorded', {
      code: 'build_not_found',
      suggestions: ['builds are recorded in the state folder (CWS_STATE_DIR); see them with: cws ami build --list'],
    });
  }
  return hit;
}

/** Finishes an interrupted build: from its image if one was made, else from a kept, cleaned builder. */
export async function resumeBuild(ctx: CliContext, id: string | undefined, hooks: BuildHooks): Promise<BuildResult> {
  const state = new LocalState(ctx.paths.stateDir);
  const ec2 = await ctx.aws();
  const record = await pickBuild(state, id, true);
  if (record.status === 'complete' || record.status === 'cleaned') {
    throw new CwsError(`build ${record.id} is ${record.status} already`, { code: 'build_done' });
  }
  const warnings: string[] = [];
  let imageId =
    record.images[record.region] ?? (await ec2.findOwnImagesByTag(record.region, 'cws:build', record.id))[0]?.image_id;
  const builder = record.instance_id ? await ec2.describeInstance(record.region, record.instance_id) : null;
  const builderAlive = builder && !['terminated', 'shutting-down'].includes(builder.state);
  if (!imageId) {
    // The builder got through tests and clean-up (or was about to be imaged): image it now.
    const step = record.status === 'failed' ? (record.last_step ?? 'failed') : record.status;
    if (builderAlive && ['stopping', 'creating'].includes(step)) {
      if (builder.state !== 'stopped') {
        await ec2.changeState(record.region, builder.instance_id, 'stop').catch(() => undefined);
        await waitForState(ec2, record.region, builder.instance_id, 'stopped', hooks.progress);
      }
      await createAndWait(ec2, state, record, builder.instance_id, hooks.progress);
      imageId = (await state.read()).builds.find((b) => b.id === record.id)?.images[record.region];
    } else {
      throw new CwsError(
        `build ${record.id} stopped before an image was made (${record.status}${record.error ? `: ${record.error}` : ''}); there is nothing to resume`,
        {
          code: 'build_not_resumable',
          suggestions: [
            `remove what it left: cws ami build --cleanup ${record.id}`,
            `then build again: cws ami build ${record.template}`,
          ],
        },
      );
    }
  } else {
    await state.patchBuild(record.id, { images: { ...record.images, [record.region]: imageId } });
    await waitForImage(ec2, record.region, imageId, hooks.progress);
  }
  const result = await finish(ctx, ec2, state, record.id, hooks, warnings);
  let builderState = builder?.state ?? 'gone';
  if (builderAlive && !record.keep_builder)
    builderState = await terminateQuietly(ec2, record.region, builder.instance_id);
  return {
    ...result,
    builder: builderState,
    instance_id: record.instance_id,
    tests: [],
    hygiene: { removed: [], findings: record.hygiene_findings },
  };
}

export interface BuildCleanupResult {
  build_id: string;
  status: 'cleaned';
  terminated: { region: string; instance_id: string }[];
  deregistered: { region: string; image_id: string }[];
}

/** Removes what a build left: its builder (kept or orphaned) and any images it made, found by record and tag. */
export async function cleanupBuild(
  ctx: CliContext,
  id: string | undefined,
  progress: Progress,
): Promise<BuildCleanupResult> {
  const state = new LocalState(ctx.paths.stateDir);
  const ec2 = await ctx.aws();
  const record = await pickBuild(state, id, true);
  const terminated: BuildCleanupResult['terminated'] = [];
  const deregistered: BuildCleanupResult['deregistered'] = [];
  const builders = await ec2.findInstances(record.region, [
    { Name: 'tag:cws:build', Values: [record.id] },
    { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
  ]);
  for (const b of builders) {
    progress(`Terminating ${b.instance_id}`);
    await ec2.changeState(record.region, b.instance_id, 'terminate');
    terminated.push({ region: record.region, instance_id: b.instance_id });
  }
  for (const region of [record.region, ...record.copy_to_regions]) {
    const ids = new Set([
      ...(record.images[region] ? [record.images[region] as string] : []),
      ...(await ec2.findOwnImagesByTag(region, 'cws:build', record.id)).map((i) => i.image_id),
    ]);
    for (const imageId of ids) {
      const img = await ec2.describeImage(region, imageId);
      if (!img || img.state === 'deregistered') continue;
      progress(`Deregistering ${imageId} in ${region}`);
      await ec2.deregisterImage(region, imageId);
      deregistered.push({ region, image_id: imageId });
    }
  }
  await state.patchBuild(record.id, { status: 'cleaned' });
  return { build_id: record.id, status: 'cleaned', terminated, deregistered };
}

export async function listBuilds(ctx: CliContext): Promise<BuildRecord[]> {
  return (await new LocalState(ctx.paths.stateDir).read()).builds;
}
