import { randomUUID } from 'node:crypto';
import type { Architecture } from '@cws/shared';
import type { AwsGateway, InstanceInfo } from '../aws/gateway.js';
import { pollUntil } from '../aws/poll.js';
import type { CliContext } from '../context.js';
import { CwsError } from '../errors.js';
import { type ResolveFlags, runResolve } from '../resolve/run.js';
import type { ResolveOutput } from '../resolve/types.js';
import { LocalState } from '../state.js';
import { type LaunchReport, reportLaunch } from './report-launch.js';

export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export interface LaunchFlags {
  region?: string | undefined;
  instanceType?: string | undefined;
  architecture?: Architecture | undefined;
  subnet?: string | undefined;
  keyPair?: string | undefined;
  /** Registry images only from this channel of a listing [default: the template's ami_config.channel]. */
  channel?: string | undefined;
  dryRun: boolean;
  /** cws launch OWNER/NAME: only this listing's image, from the registry that serves it. */
  listing?: { ref: string; registry: string } | undefined;
  /** The scan policy (flags over the template's ami_config.policy). */
  policy?: Pick<ResolveFlags, 'maxSeverity' | 'severityMode' | 'allowUnscanned' | 'revokedLineage'> | undefined;
}

export interface LaunchResult {
  name: string;
  template: string;
  dry_run: boolean;
  instance_id: string | null;
  state: string;
  region: string;
  architecture: string;
  instance_type: string;
  ami_id: string;
  ami_source: string;
  resolution_method: string;
  /** The listing the image is from (OWNER/NAME), or null for an image no registry listed. */
  listing: string | null;
  /** cws launch OWNER/NAME: the listing asked for (the image is always that listing's); null for a template name. */
  pinned_listing: string | null;
  /** The registry the launch was reported to, which counted it (null: not reported, or already counted today). */
  counted_by: string | null;
  /** What the registry the image came from said about the reported launch; null for a dry run or no listed image. */
  launch_report: LaunchReport | null;
  user_data_bytes: number;
  tags: Record<string, string>;
  private_ip: string | null;
  public_ip: string | null;
  warnings: string[];
  dry_run_result: { ok: boolean; code: string; message: string } | null;
}

export const defaultInstanceType = (arch: string) => (arch === 'arm64' ? 't4g.medium' : 't3.medium');

export function amiSource(r: ResolveOutput): string {
  const s = r.source;
  if (s.type === 'registry') return `registry:${s.name}:${s.listing}@${s.version}`;
  if (s.type === 'template') return `template:${s.name}`;
  if (s.type === 'ssm') return `script:${s.name}`;
  return `${r.resolution_method}:${s.owner ?? s.name}`;
}

export type Progress = (text: string) => void;

/** Resolve through the tiers, run the instance, tag it, wait until it runs and record it. */
export async function launch(
  ctx: CliContext,
  template: string,
  name: string,
  flags: LaunchFlags,
  progress: Progress = () => {},
): Promise<LaunchResult> {
  if (!NAME_PATTERN.test(name)) {
    throw new CwsError(`"${name}" is not a usable instance name: 1-63 letters, digits, . _ - (starting alphanumeric)`, {
      code: 'usage',
    });
  }
  const state = new LocalState(ctx.paths.stateDir);
  const existing = await state.findInstance(name);
  if (existing && !flags.dryRun) {
    throw new CwsError(`an instance named ${name} exists already (${existing.instance_id} in ${existing.region})`, {
      code: 'name_taken',
      suggestions: [`pick another name, or remove it first: cws terminate ${name} --yes`],
    });
  }
  progress(`Resolving ${template}`);
  // Not cached: a launch asks the registries afresh. A dry run is a look, not a download: registries do not count it.
  const resolved = await runResolve(ctx, template, {
    region: flags.region,
    architecture: flags.architecture,
    ...flags.policy,
    channel: flags.channel,
    count: !flags.dryRun,
    cache: false,
    ...(flags.listing ? { listing: flags.listing } : {}),
  });
  const instanceType = flags.instanceType ?? defaultInstanceType(resolved.architecture);
  const source = amiSource(resolved);
  const tags = {
    Name: name,
    'cws:name': name,
    'cws:template': resolved.template,
    'cws:ami-source': source.slice(0, 256),
  };
  const input = {
    region: resolved.region,
    imageId: resolved.ami_id,
    instanceType,
    tags,
    userDataBase64: resolved.user_data?.base64 ?? undefined,
    subnetId: flags.subnet,
    keyName: flags.keyPair,
  };
  const ec2 = await ctx.aws();
  const base = {
    name,
    template: resolved.template,
    region: resolved.region,
    architecture: resolved.architecture,
    instance_type: instanceType,
    ami_id: resolved.ami_id,
    ami_source: source,
    resolution_method: resolved.resolution_method,
    listing: resolved.source.listing ?? null,
    pinned_listing: resolved.pinned_listing ?? null,
    counted_by: null,
    launch_report: null,
    user_data_bytes: resolved.user_data?.bytes ?? 0,
    tags,
    warnings: resolved.warnings,
  };
  if (flags.dryRun) {
    const check = await ec2.dryRunInstance(input);
    return {
      ...base,
      dry_run: true,
      instance_id: null,
      state: check.ok ? 'would-launch' : 'would-fail',
      private_ip: null,
      public_ip: null,
      dry_run_result: check,
    };
  }
  progress(`Launching ${name} (${instanceType}, ${resolved.ami_id}) in ${resolved.region}`);
  const started = await ec2.runInstance({ ...input, clientToken: randomUUID() });
  await state.putInstance({
    name,
    instance_id: started.instance_id,
    region: resolved.region,
    template: resolved.template,
    architecture: resolved.architecture,
    instance_type: instanceType,
    ami_id: resolved.ami_id,
    ami_source: source,
    launched_at: new Date().toISOString(),
    state: started.state,
  });
  progress(`Waiting for ${name} (${started.instance_id}) to run`);
  const running = await waitForState(ec2, resolved.region, started.instance_id, 'running', progress);
  await state.patchInstance(name, { state: running.state });
  progress(`Reporting the launch of ${resolved.ami_id}`);
  const { report, warning } = await reportLaunch(
    await ctx.config(),
    resolved,
    started.account_id ?? null,
    ctx.registryTimeoutMs,
  );
  return {
    ...base,
    warnings: warning ? [...base.warnings, warning] : base.warnings,
    counted_by: report?.counted ? report.registry : null,
    launch_report: report,
    dry_run: false,
    instance_id: running.instance_id,
    state: running.state,
    private_ip: running.private_ip,
    public_ip: running.public_ip,
    dry_run_result: null,
  };
}

/** Waits for an instance to reach `target`; a different stable state on the way is an error. */
export async function waitForState(
  ec2: Pick<AwsGateway, 'describeInstance'>,
  region: string,
  instanceId: string,
  target: 'running' | 'stopped' | 'terminated',
  progress: Progress = () => {},
  timeoutMs = 15 * 60_000,
): Promise<InstanceInfo> {
  const info = await pollUntil(
    async () => {
      const i = await ec2.describeInstance(region, instanceId);
      if (!i) throw new CwsError(`instance ${instanceId} is gone from ${region}`, { code: 'not_found' });
      return i;
    },
    // Right after a stop or start EC2 may still show the old state; only termination ends the wait early.
    (i) => i.state === target || (i.state === 'terminated' && target !== 'terminated'),
    {
      timeoutMs,
      what: `${instanceId} to be ${target}`,
      onTick: (i, ms) => progress(`${instanceId} is ${i.state} (${Math.round(ms / 1000)} s)`),
    },
  );
  if (info.state !== target) {
    throw new CwsError(`${instanceId} is ${info.state}, not ${target}`, {
      code: 'unexpected_state',
      data: { instance_state: info.state },
    });
  }
  return info;
}
