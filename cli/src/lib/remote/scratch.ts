import { randomUUID } from 'node:crypto';
import type { AwsGateway, InstanceInfo } from '../aws/gateway.js';
import { throwIfAborted } from '../aws/ssm-ops.js';
import { CwsError } from '../errors.js';
import { defaultInstanceType, type Progress, waitForState } from '../instances/launch.js';
import { profileSuggestions } from './instance-profile.js';

export interface ScratchOptions {
  region: string;
  imageId: string;
  architecture: string;
  instanceType?: string | undefined;
  instanceProfile: string;
  tags: Record<string, string>;
  progress: Progress;
  signal?: AbortSignal | undefined;
  /** Called once the instance exists, before anything can fail: a build records it. */
  onLaunched?: (instance: InstanceInfo) => Promise<void> | void;
  agentTimeoutMs?: number;
}

/**
 * Launches an instance with IMDSv2 and the instance profile (no key pair: nobody logs in), waits until it runs and
 * its SSM agent is online. Throws with the instance id in `data` so the caller can terminate it.
 */
export async function launchManaged(ec2: AwsGateway, ssm: AwsGateway, opts: ScratchOptions): Promise<InstanceInfo> {
  const instanceType = opts.instanceType ?? defaultInstanceType(opts.architecture);
  opts.progress(`Launching ${instanceType} from ${opts.imageId} in ${opts.region}`);
  let inst: InstanceInfo;
  try {
    inst = await ec2.runInstance({
      region: opts.region,
      imageId: opts.imageId,
      instanceType,
      tags: opts.tags,
      instanceProfile: opts.instanceProfile,
      imdsV2: true,
      clientToken: randomUUID(),
    });
  } catch (err) {
    if (/iamInstanceProfile|Instance Profile/i.test((err as Error).message)) {
      throw new CwsError(`EC2 refused the instance profile ${opts.instanceProfile}: ${(err as Error).message}`, {
        code: 'instance_profile',
        suggestions: profileSuggestions(opts.instanceProfile),
        cause: err,
      });
    }
    throw err;
  }
  await opts.onLaunched?.(inst);
  throwIfAborted(opts.signal);
  await waitForState(ec2, opts.region, inst.instance_id, 'running', opts.progress);
  opts.progress(`Waiting for the SSM agent on ${inst.instance_id}`);
  await ssm.waitForAgent(opts.region, inst.instance_id, {
    timeoutMs: opts.agentTimeoutMs ?? 10 * 60_000,
    signal: opts.signal,
    onTick: (s, ms) =>
      opts.progress(`SSM agent on ${inst.instance_id}: ${s ?? 'not registered yet'} (${Math.round(ms / 1000)} s)`),
  });
  return (await ec2.describeInstance(opts.region, inst.instance_id)) ?? inst;
}

/** Terminates, never throwing: returns the state reached or why it could not. */
export async function terminateQuietly(
  ec2: Pick<AwsGateway, 'changeState'>,
  region: string,
  instanceId: string,
): Promise<string> {
  try {
    return await ec2.changeState(region, instanceId, 'terminate');
  } catch (err) {
    return `not terminated: ${(err as Error).message}`;
  }
}

/** A short-lived managed instance of an image: launched, used, terminated whatever happens. */
export async function withScratchInstance<T>(
  aws: AwsGateway,
  opts: ScratchOptions,
  use: (inst: InstanceInfo, ssm: AwsGateway) => Promise<T>,
): Promise<{ result: T; instance_id: string; terminated: string }> {
  const ec2 = aws;
  const ssm = aws;
  let id: string | undefined;
  try {
    const inst = await launchManaged(ec2, ssm, {
      ...opts,
      onLaunched: async (i) => {
        id = i.instance_id;
        await opts.onLaunched?.(i);
      },
    });
    const result = await use(inst, ssm);
    opts.progress(`Terminating ${inst.instance_id}`);
    return {
      result,
      instance_id: inst.instance_id,
      terminated: await terminateQuietly(ec2, opts.region, inst.instance_id),
    };
  } catch (err) {
    if (id) await terminateQuietly(ec2, opts.region, id);
    throw err;
  }
}
