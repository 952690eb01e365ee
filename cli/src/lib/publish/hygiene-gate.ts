import type { HygieneInput } from '@cws/shared';
import type { CliContext } from '../context.js';
import { CwsError } from '../errors.js';
import { checkImage, type HygieneReport } from '../hygiene/check.js';
import type { Progress } from '../instances/launch.js';
import { instanceProfile } from '../remote/instance-profile.js';
import type { TargetImage } from './launchable.js';

export interface HygieneGateOptions {
  images: TargetImage[];
  public: boolean;
  shareWith: string[];
  /** --skip-hygiene */
  skip: boolean;
  /** --hygiene: check also when sharing with accounts only. */
  force: boolean;
  acceptRisk?: string | undefined;
  instanceProfile?: string | undefined;
  progress: Progress;
}

export interface HygieneGateResult {
  /** What the version records (undefined: nothing leaves the account, or nothing was asked). */
  input: HygieneInput | undefined;
  report: HygieneReport | null;
  warnings: string[];
}

/**
 * Before an image leaves the account: a short-lived instance of it is checked for keys, credentials, histories and
 * baked-in machine identity (on by default for --public; --hygiene for --share-with). A finding stops the publish,
 * before anything is shared, unless --accept-risk gives a reason (the registry records it in its audit log).
 * Every region's image is a copy of one build, so the first is checked.
 */
export async function hygieneGate(ctx: CliContext, opts: HygieneGateOptions): Promise<HygieneGateResult> {
  const leaves = opts.public || opts.shareWith.length > 0;
  if (opts.skip) {
    return {
      input: leaves ? { status: 'skipped', findings: [] } : undefined,
      report: null,
      warnings: leaves ? ['the in-image hygiene check was skipped (--skip-hygiene); the version records that'] : [],
    };
  }
  if (!opts.public && !opts.force) return { input: undefined, report: null, warnings: [] };
  const image = opts.images[0];
  if (!image) return { input: undefined, report: null, warnings: [] };
  const report = await checkImage({
    aws: await ctx.aws(),
    region: image.region,
    imageId: image.ami_id,
    architecture: image.architecture,
    instanceProfile: await instanceProfile(ctx, opts.instanceProfile),
    progress: opts.progress,
  });
  const base = { checked_at: report.checked_at, ami_id: image.ami_id, region: image.region };
  if (report.passed) return { input: { status: 'passed', ...base, findings: [] }, report, warnings: [] };
  const list = report.findings.map((f) => `  ${f.file}: ${f.check}: ${f.fix}`).join('\n');
  if (!opts.acceptRisk) {
    throw new CwsError(
      `the hygiene check found ${report.findings.length} problem(s) in ${image.ami_id}; nothing was shared or published:\n${list}`,
      {
        code: 'hygiene_findings',
        suggestions: [
          'fix them on an instance of the image, save it again (cws save), and publish the new image',
          'or, if each is intended, publish anyway and say why: --accept-risk "REASON" (recorded by the registry)',
        ],
        data: { image_id: image.ami_id, region: image.region, findings: report.findings },
      },
    );
  }
  return {
    input: {
      status: 'findings_accepted',
      ...base,
      findings: report.findings.map((f) => ({ check: f.check, file: f.file.slice(0, 500) })),
      accepted_reason: opts.acceptRisk,
    },
    report,
    warnings: [
      `published with ${report.findings.length} hygiene finding(s), risk accepted: ${opts.acceptRisk}`,
      ...report.findings.map((f) => `hygiene: ${f.check} in ${f.file}`),
    ],
  };
}
