import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AwsGateway, ImageDetail, InstanceInfo, RunInput } from './aws/gateway.js';
import { AwsError } from './aws/gateway.js';
import { type CliContext, createContext } from './context.js';
import { launch } from './instances/launch.js';
import { save } from './save/save.js';
import { LocalState } from './state.js';

/** An EC2 account in memory: instances change state at once, images are available as soon as they are made. */
class FakeAws implements Partial<AwsGateway> {
  readonly calls: string[] = [];
  readonly instances = new Map<string, InstanceInfo>();
  readonly images = new Map<string, ImageDetail>();
  failCreateImage = false;
  profileRegion: string | undefined = 'eu-north-1';
  #n = 0;

  async defaultRegion() {
    return this.profileRegion;
  }
  async runInstance(input: RunInput): Promise<InstanceInfo> {
    this.calls.push(`run ${input.region} ${input.imageId} ${input.instanceType}`);
    const id = `i-${(++this.#n).toString(16).padStart(17, '0')}`;
    const info: InstanceInfo = {
      instance_id: id,
      region: input.region,
      state: 'running',
      image_id: input.imageId,
      instance_type: input.instanceType,
      architecture: 'x86_64',
      launch_time: new Date().toISOString(),
      private_ip: '10.0.0.1',
      public_ip: null,
      tags: input.tags,
    };
    this.instances.set(id, info);
    return { ...info, state: 'pending' };
  }
  async describeInstance(_region: string, id: string) {
    return this.instances.get(id) ?? null;
  }
  async findInstancesByName() {
    return [];
  }
  async changeState(region: string, id: string, action: 'stop' | 'start' | 'terminate') {
    this.calls.push(`${action} ${region} ${id}`);
    const inst = this.instances.get(id);
    if (!inst) throw new AwsError('InvalidInstanceID.NotFound', `no ${id}`, []);
    inst.state = { stop: 'stopped', start: 'running', terminate: 'terminated' }[action];
    return inst.state;
  }
  async createImage(region: string, instanceId: string, name: string, _d: string, tags: Record<string, string>) {
    this.calls.push(`create-image ${region} ${instanceId} while ${this.instances.get(instanceId)?.state}`);
    if (this.failCreateImage) throw new AwsError('InsufficientInstanceCapacity', 'CreateImage failed', []);
    const id = `ami-${(++this.#n).toString(16).padStart(17, '0')}`;
    this.images.set(id, {
      image_id: id,
      region,
      name,
      owner_id: '111111111111',
      state: 'available',
      state_reason: null,
      architecture: 'x86_64',
      public: false,
      root_device_type: 'ebs',
      encrypted: false,
      product_codes: [],
      snapshot_ids: [],
      tags,
    });
    return id;
  }
  async describeImage(_region: string, id: string) {
    return this.images.get(id) ?? null;
  }
  async findOwnImagesByTag(_region: string, key: string, value: string) {
    return [...this.images.values()].filter((i) => i.tags[key] === value);
  }
}

let dirs: string[] = [];
function contextWith(aws: FakeAws, env: Record<string, string> = {}): CliContext {
  const dir = mkdtempSync(join(tmpdir(), 'cws-flows-'));
  dirs.push(dir);
  writeFileSync(
    join(dir, 'lab.yml'),
    'name: lab\nami_config:\n  ami_mappings:\n    us-east-1: { x86_64: ami-0123456789abcdef0 }\n    eu-north-1: { x86_64: ami-0123456789abcdef1 }\n',
  );
  return createContext(
    {
      HOME: dir,
      CWS_CONFIG: join(dir, 'config.json'),
      CWS_TEMPLATES_DIR: dir,
      CWS_STATE_DIR: join(dir, 'state'),
      ...env,
    },
    { aws: aws as unknown as AwsGateway },
  );
}
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

describe('the region rule (flag > env > config > profile)', () => {
  it('takes the flag, then AWS_REGION, then the profile', async () => {
    const aws = new FakeAws();
    expect(await contextWith(aws, { AWS_REGION: 'us-west-2' }).region('eu-west-1')).toBe('eu-west-1');
    expect(await contextWith(aws, { AWS_REGION: 'us-west-2' }).region()).toBe('us-west-2');
    expect(await contextWith(aws).region()).toBe('eu-north-1');
    aws.profileRegion = undefined;
    await expect(contextWith(aws).requireRegion(undefined, 'cws launch lab')).rejects.toMatchObject({
      code: 'no_region',
    });
    await expect(contextWith(aws).region('mars-1')).rejects.toMatchObject({ code: 'usage' });
  });
});

describe('launch with a fake gateway', () => {
  it('launches the mapped image in the region the rule picks and records the instance', async () => {
    const aws = new FakeAws();
    const ctx = contextWith(aws);
    const result = await launch(ctx, 'lab', 'box', { dryRun: false });
    expect(result).toMatchObject({ region: 'eu-north-1', ami_id: 'ami-0123456789abcdef1', state: 'running' });
    expect(aws.calls).toEqual(['run eu-north-1 ami-0123456789abcdef1 t3.medium']);
    expect((await new LocalState(ctx.paths.stateDir).findInstance('box'))?.instance_id).toBe(result.instance_id);
  });

  it('refuses a second instance of the same name before calling AWS', async () => {
    const aws = new FakeAws();
    const ctx = contextWith(aws, { AWS_REGION: 'us-east-1' });
    await launch(ctx, 'lab', 'box', { dryRun: false });
    await expect(launch(ctx, 'lab', 'box', { dryRun: false })).rejects.toMatchObject({ code: 'name_taken' });
    expect(aws.calls).toHaveLength(1);
  });
});

describe('save with a fake gateway', () => {
  const opts = { instance: 'box', templateName: 'lab-saved', copyToRegions: [], noReboot: false, wait: true };

  it('stops the instance, images it while stopped, starts it again and writes a template', async () => {
    const aws = new FakeAws();
    const ctx = contextWith(aws, { AWS_REGION: 'us-east-1' });
    const { instance_id } = await launch(ctx, 'lab', 'box', { dryRun: false });
    const result = await save(
      ctx,
      opts,
      () => {},
      () => {},
    );
    expect(aws.calls.slice(1)).toEqual([
      `stop us-east-1 ${instance_id}`,
      `create-image us-east-1 ${instance_id} while stopped`,
      `start us-east-1 ${instance_id}`,
    ]);
    expect(result.status).toBe('complete');
    expect(result.image_id).toMatch(/^ami-/);
    expect(aws.images.get(result.image_id!)?.tags['cws:save-id']).toBe(result.save_id);
    expect(result.template_file).toBeTruthy();
  });

  it('starts the instance again when CreateImage fails', async () => {
    const aws = new FakeAws();
    const ctx = contextWith(aws, { AWS_REGION: 'us-east-1' });
    const { instance_id } = await launch(ctx, 'lab', 'box', { dryRun: false });
    aws.failCreateImage = true;
    await expect(
      save(
        ctx,
        opts,
        () => {},
        () => {},
      ),
    ).rejects.toThrow(/CreateImage failed/);
    expect(aws.calls.at(-1)).toBe(`start us-east-1 ${instance_id}`);
    expect(aws.instances.get(instance_id!)?.state).toBe('running');
  });
});
