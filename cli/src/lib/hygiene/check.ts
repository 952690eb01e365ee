import type { AwsGateway } from '../aws/gateway.js';
import { CwsError } from '../errors.js';
import type { Progress } from '../instances/launch.js';
import { withScratchInstance } from '../remote/scratch.js';
import { checkScript, type HygieneFinding, parseFindings } from './scripts.js';

export interface HygieneReport {
  image_id: string;
  region: string;
  checked_at: string;
  /** The short-lived instance the check ran on (terminated). */
  instance_id: string;
  passed: boolean;
  findings: HygieneFinding[];
}

/** Runs the check on a running managed instance. `launchEpoch`: seconds; host keys older than that were baked in. */
export async function checkImageOnInstance(
  ssm: Pick<AwsGateway, 'runScript'>,
  region: string,
  instanceId: string,
  launchEpoch: number,
  signal?: AbortSignal,
): Promise<HygieneFinding[]> {
  const r = await ssm.runScript(region, instanceId, checkScript({ instanceId, launchEpoch }), {
    timeoutSeconds: 300,
    comment: 'cws hygiene check',
    signal,
  });
  const parsed = parseFindings(r.stdout);
  if (r.status !== 'Success' || !parsed.complete) {
    throw new CwsError(
      `the hygiene check did not complete on ${instanceId} (${r.status}, exit ${r.exit_code}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`,
      { code: 'hygiene_incomplete' },
    );
  }
  return parsed.findings;
}

/** Launches a short-lived instance of the image (no key pair), checks it, terminates it. */
export async function checkImage(opts: {
  aws: AwsGateway;
  region: string;
  imageId: string;
  architecture: string;
  instanceProfile: string;
  instanceType?: string | undefined;
  progress: Progress;
}): Promise<HygieneReport> {
  const { result, instance_id } = await withScratchInstance(
    opts.aws,
    {
      region: opts.region,
      imageId: opts.imageId,
      architecture: opts.architecture,
      instanceType: opts.instanceType,
      instanceProfile: opts.instanceProfile,
      tags: { Name: `cws-hygiene-${opts.imageId}`, 'cws:role': 'hygiene-check', 'cws:image': opts.imageId },
      progress: opts.progress,
    },
    async (inst, ssm) => {
      opts.progress(`Checking ${opts.imageId} for keys, credentials and histories on ${inst.instance_id}`);
      const launched = inst.launch_time ? Date.parse(inst.launch_time) / 1000 : Date.now() / 1000;
      return checkImageOnInstance(ssm, opts.region, inst.instance_id, launched);
    },
  );
  return {
    image_id: opts.imageId,
    region: opts.region,
    checked_at: new Date().toISOString(),
    instance_id,
    passed: result.length === 0,
    findings: result,
  };
}
