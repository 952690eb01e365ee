import { AwsError, type AwsGateway } from '../aws/gateway.js';

/**
 * What a revocation (or deprecation) can also do in EC2, in the owner's own account:
 * - `deprecate`: EnableImageDeprecation, from the next minute (EC2 rounds DeprecateAt to the minute and refuses the
 *   past): others' searches skip the image; it can still be launched by id.
 * - `unshare`: removes every launch permission (everyone, `all`, and each account).
 * - `disable`: DisableImage: nobody can launch it, the owner included, and its sharing is removed; EnableImage undoes
 *   the first part only.
 */
export const EC2_STEPS = ['unshare', 'deprecate', 'disable'] as const;
export type Ec2Step = (typeof EC2_STEPS)[number];

export interface StepReport {
  step: Ec2Step;
  ok: boolean;
  /** What was done, e.g. "deprecated from 2026-12-01T11:02:00.000Z", "removed: everyone, 222222222222". */
  detail: string;
  aws_code: string | null;
}

export interface RegionReport {
  region: string;
  ami_id: string;
  steps: StepReport[];
}

export type Ec2Retirer = Pick<
  AwsGateway,
  'launchPermissions' | 'removeLaunchPermission' | 'deprecateImage' | 'disableImage'
>;

/** The next whole minute: EC2 rounds to the minute and refuses a DeprecateAt in the past. */
export function deprecationTime(now = Date.now()): Date {
  return new Date(Math.ceil((now + 1000) / 60_000) * 60_000);
}

/** Runs the steps (in EC2_STEPS order) on every image; an AWS failure is reported for its region, never thrown. */
export async function retireInEc2(
  aws: Ec2Retirer,
  images: { region: string; ami_id: string }[],
  steps: Ec2Step[],
  progress: (text: string) => void,
): Promise<RegionReport[]> {
  const ordered = EC2_STEPS.filter((s) => steps.includes(s));
  const reports: RegionReport[] = [];
  for (const img of images) {
    const report: RegionReport = { region: img.region, ami_id: img.ami_id, steps: [] };
    for (const step of ordered) {
      progress(`${step} ${img.ami_id} in ${img.region}`);
      try {
        report.steps.push({ step, ok: true, detail: await runStep(aws, img.region, img.ami_id, step), aws_code: null });
      } catch (err) {
        if (!(err instanceof AwsError)) throw err;
        report.steps.push({ step, ok: false, detail: err.message, aws_code: err.awsCode });
      }
    }
    reports.push(report);
  }
  return reports;
}

async function runStep(aws: Ec2Retirer, region: string, amiId: string, step: Ec2Step): Promise<string> {
  if (step === 'deprecate') {
    const at = deprecationTime();
    await aws.deprecateImage(region, amiId, at);
    return `deprecated from ${at.toISOString()}`;
  }
  if (step === 'disable') {
    await aws.disableImage(region, amiId);
    return 'disabled: nobody can launch it until EnableImage';
  }
  const perms = await aws.launchPermissions(region, amiId);
  if (!perms.public && perms.accounts.length === 0) return 'not shared';
  await aws.removeLaunchPermission(region, amiId, perms);
  return `launch permissions removed: ${[...(perms.public ? ['everyone'] : []), ...perms.accounts].join(', ')}`;
}

/** Failures as one line each: "us-west-2 ami-...: deprecate failed: ...". */
export function ec2Failures(reports: RegionReport[]): string[] {
  return reports.flatMap((r) =>
    r.steps.filter((s) => !s.ok).map((s) => `${r.region} ${r.ami_id}: ${s.step} failed: ${s.detail}`),
  );
}
