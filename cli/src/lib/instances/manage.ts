import type { AwsGateway } from '../aws/gateway.js';
import type { CliContext } from '../context.js';
import { CwsError } from '../errors.js';
import { type InstanceRecord, LocalState } from '../state.js';
import { type Progress, waitForState } from './launch.js';

export interface InstanceView {
  name: string;
  instance_id: string;
  region: string;
  state: string;
  template: string;
  instance_type: string;
  ami_id: string;
  ami_source: string;
  launched_at: string;
  private_ip: string | null;
  public_ip: string | null;
}

/** An instance by its cws name: the local record, else an EC2 instance tagged `cws:name` in the region. */
export async function findNamed(
  ctx: CliContext,
  name: string,
  region: string | undefined,
): Promise<{ record: InstanceRecord; ec2: AwsGateway; state: LocalState }> {
  const state = new LocalState(ctx.paths.stateDir);
  const ec2 = await ctx.aws();
  const record = await state.findInstance(name);
  if (record) return { record, ec2, state };
  const where = await ctx.region(region);
  if (where) {
    const found = await ec2.findInstancesByName(where, name);
    const hit = found[0];
    if (found.length === 1 && hit) {
      const adopted: InstanceRecord = {
        name,
        instance_id: hit.instance_id,
        region: where,
        template: hit.tags['cws:template'] ?? 'unknown',
        architecture: hit.architecture,
        instance_type: hit.instance_type,
        ami_id: hit.image_id,
        ami_source: hit.tags['cws:ami-source'] ?? 'unknown',
        launched_at: hit.launch_time ?? new Date().toISOString(),
        state: hit.state,
      };
      await state.putInstance(adopted);
      return { record: adopted, ec2, state };
    }
    if (found.length > 1) {
      throw new CwsError(`${found.length} instances in ${where} are tagged cws:name=${name}`, {
        code: 'ambiguous',
        suggestions: ['rename or terminate the extra ones in the EC2 console'],
      });
    }
  }
  throw new CwsError(`no instance named ${name}`, {
    code: 'instance_not_found',
    suggestions: ['see your instances: cws list', `or launch one: cws launch python-ml ${name}`],
  });
}

/** Every recorded instance, with its state fresh from EC2 (terminated ones are dropped from the list). */
export async function listInstances(ctx: CliContext, includeTerminated: boolean): Promise<InstanceView[]> {
  const state = new LocalState(ctx.paths.stateDir);
  const data = await state.read();
  const ec2 = await ctx.aws();
  const live = data.instances.filter((i) => includeTerminated || !i.terminated_at);
  const views = await Promise.all(
    live.map(async (r): Promise<InstanceView> => {
      const info = r.terminated_at ? null : await ec2.describeInstance(r.region, r.instance_id);
      return {
        name: r.name,
        instance_id: r.instance_id,
        region: r.region,
        state: info?.state ?? (r.terminated_at ? 'terminated' : 'gone'),
        template: r.template,
        instance_type: r.instance_type,
        ami_id: r.ami_id,
        ami_source: r.ami_source,
        launched_at: r.launched_at,
        private_ip: info?.private_ip ?? null,
        public_ip: info?.public_ip ?? null,
      };
    }),
  );
  // Remember what EC2 said; an instance terminated elsewhere leaves the list.
  await state.update((d) => {
    for (const v of views) {
      const rec = d.instances.find((i) => i.instance_id === v.instance_id);
      if (!rec) continue;
      rec.state = v.state;
      if ((v.state === 'terminated' || v.state === 'gone') && !rec.terminated_at)
        rec.terminated_at = new Date().toISOString();
    }
  });
  return views.filter((v) => includeTerminated || (v.state !== 'terminated' && v.state !== 'gone'));
}

export interface StateChangeResult {
  name: string;
  instance_id: string;
  region: string;
  action: 'stop' | 'start' | 'terminate';
  previous_state: string;
  state: string;
}

const TARGET = { stop: 'stopped', start: 'running', terminate: 'terminated' } as const;

export async function changeInstanceState(
  ctx: CliContext,
  name: string,
  action: 'stop' | 'start' | 'terminate',
  opts: { region?: string | undefined; wait: boolean },
  progress: Progress = () => {},
): Promise<StateChangeResult> {
  const { record, ec2, state } = await findNamed(ctx, name, opts.region);
  const before = await ec2.describeInstance(record.region, record.instance_id);
  if (!before || before.state === 'terminated') {
    await state.patchInstance(name, { state: 'terminated', terminated_at: new Date().toISOString() });
    throw new CwsError(`${name} (${record.instance_id}) is terminated`, {
      code: 'instance_terminated',
      suggestions: [`launch a new one: cws launch ${record.template} ${name}`],
    });
  }
  progress(`${action === 'stop' ? 'Stopping' : action === 'start' ? 'Starting' : 'Terminating'} ${name}`);
  await ec2.changeState(record.region, record.instance_id, action);
  const after = opts.wait
    ? await waitForState(ec2, record.region, record.instance_id, TARGET[action], progress)
    : await ec2.describeInstance(record.region, record.instance_id);
  const now = after?.state ?? 'unknown';
  await state.patchInstance(name, {
    state: now,
    ...(action === 'terminate' ? { terminated_at: new Date().toISOString() } : {}),
  });
  return {
    name,
    instance_id: record.instance_id,
    region: record.region,
    action,
    previous_state: before.state,
    state: now,
  };
}
