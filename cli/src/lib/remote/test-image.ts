import { existsSync } from 'node:fs';
import {
  AMI_ID_PATTERN,
  type Architecture,
  parseListingRef,
  type TestReportBody,
  type VersionTestReport,
} from '@cws/shared';
import type { CliContext } from '../context.js';
import { CwsError } from '../errors.js';
import type { Progress } from '../instances/launch.js';
import { clientFor, pickRegistry, registryFailure } from '../registries.js';
import { runResolve } from '../resolve/run.js';
import { findTemplate } from '../templates/catalog.js';
import type { Template } from '../templates/schema.js';
import { instanceProfile } from './instance-profile.js';
import { withScratchInstance } from './scratch.js';
import { DEFAULT_TEST_TIMEOUT_SECONDS, runValidationTests, type TestResult } from './validation.js';

export interface TestImageOptions {
  target: string;
  region?: string | undefined;
  architecture?: Architecture | undefined;
  template?: string | undefined;
  version?: string | undefined;
  registry?: string | undefined;
  instanceType?: string | undefined;
  instanceProfile?: string | undefined;
  testTimeoutSeconds?: number | undefined;
  report: boolean;
}

export interface TestImageResult {
  target: string;
  image_id: string;
  region: string;
  architecture: string;
  template: string;
  listing: { registry: string; ref: string; version: string } | null;
  instance_id: string;
  terminated: string;
  passed: boolean;
  tests: TestResult[];
  tested_at: string;
  report: VersionTestReport | null;
}

interface Target {
  image_id: string;
  region: string;
  architecture: string;
  template: Template;
  listing: { registry: string; owner: string; name: string; version: string } | null;
}

async function regionOf(ctx: CliContext, flag: string | undefined): Promise<string> {
  const region = await ctx.region(flag);
  if (!region) {
    throw new CwsError('no AWS region: pass --region or export AWS_REGION', { code: 'no_region' });
  }
  return region;
}

async function templateFor(ctx: CliContext, name: string | undefined, what: string): Promise<Template> {
  if (!name) {
    throw new CwsError(`${what} names no template, so there are no validation tests to run`, {
      code: 'usage',
      suggestions: ['name the template whose validation_tests to run: --template NAME'],
    });
  }
  return (await findTemplate(name, ctx.paths.templatesDir)).template;
}

/** TARGET: an image id (in --region), OWNER/NAME[@VERSION] on a registry, or a template (resolved through the tiers). */
async function resolveTarget(ctx: CliContext, opts: TestImageOptions, progress: Progress): Promise<Target> {
  const region = await regionOf(ctx, opts.region);
  if (AMI_ID_PATTERN.test(opts.target)) {
    const img = await (await ctx.aws()).describeImage(region, opts.target);
    if (!img) throw new CwsError(`no image ${opts.target} in ${region}`, { code: 'not_found' });
    const template = await templateFor(
      ctx,
      opts.template ?? img.tags['cws:template'] ?? img.tags['cws:source-template'],
      opts.target,
    );
    return { image_id: img.image_id, region, architecture: img.architecture || 'x86_64', template, listing: null };
  }
  const [refText, atVersion] = opts.target.split('@') as [string, string | undefined];
  const ref = existsSync(opts.target) ? null : parseListingRef(refText);
  if (ref) {
    const entry = pickRegistry(await ctx.config(), opts.registry ?? (await ctx.defaultRegistry()));
    const client = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs });
    progress(`Looking up ${refText} on ${entry.name}`);
    const detail = await client.getListing(ref.owner, ref.name).catch((err) => {
      throw registryFailure(err, entry, `look up ${refText}`);
    });
    const wanted = opts.version ?? atVersion;
    const version = wanted
      ? detail.versions.find((v) => v.version === wanted)
      : (detail.versions.find((v) => v.status === 'active') ?? detail.versions[0]);
    if (!version) {
      throw new CwsError(`${refText} has no version ${wanted ?? '(none published)'}`, {
        code: 'not_found',
      });
    }
    const inRegion = version.regions.filter(
      (r) => r.region === region && (!opts.architecture || r.architecture === opts.architecture),
    );
    const img = inRegion[0];
    if (!img) {
      throw new CwsError(
        `${refText}@${version.version} has no image in ${region}${opts.architecture ? ` for ${opts.architecture}` : ''}`,
        {
          code: 'not_found',
          suggestions: [
            `its regions: ${[...new Set(version.regions.map((r) => r.region))].join(', ') || '(none)'}; pass --region`,
          ],
        },
      );
    }
    const template = await templateFor(ctx, opts.template ?? version.source_template ?? detail.template, refText);
    return {
      image_id: img.ami_id,
      region,
      architecture: img.architecture,
      template,
      listing: { registry: entry.name, owner: detail.owner, name: detail.name, version: version.version },
    };
  }
  const { template } = await findTemplate(opts.target, ctx.paths.templatesDir);
  const resolved = await runResolve(ctx, opts.target, { region, architecture: opts.architecture, cache: false });
  if (resolved.resolution_method === 'script_fallback') {
    throw new CwsError(
      `there is no image for ${template.name} in ${region} yet (only the base OS and its setup script)`,
      {
        code: 'no_ami',
        suggestions: [`build one: cws ami build ${opts.target} --region ${region}`],
      },
    );
  }
  return {
    image_id: resolved.ami_id,
    region,
    architecture: resolved.architecture,
    template: opts.template ? await templateFor(ctx, opts.template, '') : template,
    listing: null,
  };
}

/** Launches the image, runs the template's validation tests (a time limit each), terminates it; optionally reports. */
export async function testImage(ctx: CliContext, opts: TestImageOptions, progress: Progress): Promise<TestImageResult> {
  const t = await resolveTarget(ctx, opts, progress);
  if (t.template.validation_tests.length === 0) {
    throw new CwsError(`template ${t.template.name} has no validation_tests`, {
      code: 'no_tests',
      suggestions: ['add validation_tests to the template (name, command, expected / expected_contains)'],
    });
  }
  if (opts.report && !t.listing) {
    throw new CwsError(
      '--report needs a listing target (OWNER/NAME[@VERSION]): a report is about a published version',
      {
        code: 'usage',
      },
    );
  }
  const profile = await instanceProfile(ctx, opts.instanceProfile);
  const timeout = opts.testTimeoutSeconds ?? DEFAULT_TEST_TIMEOUT_SECONDS;
  const run = await withScratchInstance(
    await ctx.aws(),
    {
      region: t.region,
      imageId: t.image_id,
      architecture: t.architecture,
      instanceType: opts.instanceType,
      instanceProfile: profile,
      tags: { Name: `cws-test-${t.template.name}`, 'cws:role': 'image-test', 'cws:image': t.image_id },
      progress,
    },
    (inst, ssm) =>
      runValidationTests(ssm, t.region, inst.instance_id, t.template.validation_tests, {
        timeoutSeconds: timeout,
        progress,
      }),
  );
  const testedAt = new Date().toISOString();
  const passed = run.result.every((r) => r.passed);
  let report: VersionTestReport | null = null;
  if (opts.report && t.listing) {
    const entry = pickRegistry(await ctx.config(), t.listing.registry);
    const client = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs });
    const body: TestReportBody = {
      region: t.region,
      architecture: t.architecture as Architecture,
      ami_id: t.image_id,
      tested_at: testedAt,
      tests: run.result.map((r) => ({
        name: r.name,
        passed: r.passed,
        seconds: r.seconds,
        ...(r.reason ? { reason: r.reason.slice(0, 500) } : {}),
      })),
    };
    progress(`Reporting to ${entry.name}`);
    report = await client.submitTestReport(t.listing.owner, t.listing.name, t.listing.version, body).catch((err) => {
      throw registryFailure(
        err,
        entry,
        `report the tests of ${t.listing?.owner}/${t.listing?.name}@${t.listing?.version}`,
      );
    });
  }
  return {
    target: opts.target,
    image_id: t.image_id,
    region: t.region,
    architecture: t.architecture,
    template: t.template.name,
    listing: t.listing
      ? { registry: t.listing.registry, ref: `${t.listing.owner}/${t.listing.name}`, version: t.listing.version }
      : null,
    instance_id: run.instance_id,
    terminated: run.terminated,
    passed,
    tests: run.result,
    tested_at: testedAt,
    report,
  };
}
