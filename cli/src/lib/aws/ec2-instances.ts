import { CwsError } from '../errors.js';
import type { AwsGateway, Ec2Filter, InstanceInfo, RunInput } from './gateway.js';
import { type SdkClients, tagList, tagMap } from './sdk-clients.js';

type InstanceMethods =
  | 'runInstance'
  | 'dryRunInstance'
  | 'describeInstance'
  | 'findInstancesByName'
  | 'findInstances'
  | 'changeState';

const UNANSWERED = new Set(['NetworkError', 'CredentialsProviderError', 'TimeoutError']);

/** EC2 instances over the SDK: run (and dry-run), describe, find by tag or filter, stop/start/terminate. */
export function ec2Instances(clients: SdkClients): Pick<AwsGateway, InstanceMethods> {
  return {
    async runInstance(input: RunInput): Promise<InstanceInfo> {
      const out = await clients.sendEc2<{ Instances?: unknown[]; OwnerId?: string }>(
        input.region,
        'RunInstances',
        (m) => new m.RunInstancesCommand(runParams(input, false)),
      );
      const inst = out.Instances?.[0];
      if (!inst) throw new CwsError('RunInstances returned no instance', { code: 'aws_error' });
      // The reservation's owner is the account the instance runs in.
      return { ...instanceInfo(inst, input.region), account_id: out.OwnerId ?? null };
    },

    /** RunInstances with DryRun: true when EC2 says it would have succeeded; otherwise the reason. */
    async dryRunInstance(input: RunInput): Promise<{ ok: boolean; code: string; message: string }> {
      try {
        await clients.sendEc2(input.region, 'RunInstances', (m) => new m.RunInstancesCommand(runParams(input, true)));
        return { ok: true, code: 'DryRunOperation', message: 'would have succeeded' };
      } catch (err) {
        const e = err as { awsCode?: string; message: string };
        if (e.awsCode === 'DryRunOperation') return { ok: true, code: e.awsCode, message: 'EC2 says it would succeed' };
        // EC2 never answered (no network, no credentials, timeout): that is a failure to ask, not a refusal.
        if (e.awsCode && UNANSWERED.has(e.awsCode)) throw err;
        return { ok: false, code: e.awsCode ?? 'Error', message: e.message };
      }
    },

    async describeInstance(region: string, instanceId: string): Promise<InstanceInfo | null> {
      try {
        const out = await clients.sendEc2<{ Reservations?: { Instances?: unknown[] }[] }>(
          region,
          'DescribeInstances',
          (m) => new m.DescribeInstancesCommand({ InstanceIds: [instanceId] }),
        );
        const inst = out.Reservations?.flatMap((r) => r.Instances ?? [])[0];
        return inst ? instanceInfo(inst, region) : null;
      } catch (err) {
        if (/InvalidInstanceID/.test((err as { awsCode?: string }).awsCode ?? '')) return null;
        throw err;
      }
    },

    /** Instances tagged `cws:name` = name (not terminated), for names this machine has no record of. */
    async findInstancesByName(region: string, name: string): Promise<InstanceInfo[]> {
      const out = await clients.sendEc2<{ Reservations?: { Instances?: unknown[] }[] }>(
        region,
        'DescribeInstances',
        (m) =>
          new m.DescribeInstancesCommand({
            Filters: [
              { Name: 'tag:cws:name', Values: [name] },
              { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
            ],
          }),
      );
      return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => instanceInfo(i, region));
    },

    async findInstances(region: string, filters: Ec2Filter[]): Promise<InstanceInfo[]> {
      const found: InstanceInfo[] = [];
      let token: string | undefined;
      do {
        const out = await clients.sendEc2<{ Reservations?: { Instances?: unknown[] }[]; NextToken?: string }>(
          region,
          'DescribeInstances',
          (m) => new m.DescribeInstancesCommand({ Filters: filters, NextToken: token }),
        );
        found.push(...(out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => instanceInfo(i, region)));
        token = out.NextToken;
      } while (token);
      return found;
    },

    async changeState(region: string, instanceId: string, action: 'stop' | 'start' | 'terminate'): Promise<string> {
      const name = { stop: 'StopInstances', start: 'StartInstances', terminate: 'TerminateInstances' }[action];
      const out = await clients.sendEc2<{
        StoppingInstances?: { CurrentState?: { Name?: string } }[];
        StartingInstances?: { CurrentState?: { Name?: string } }[];
        TerminatingInstances?: { CurrentState?: { Name?: string } }[];
      }>(region, name, (m) =>
        action === 'stop'
          ? new m.StopInstancesCommand({ InstanceIds: [instanceId] })
          : action === 'start'
            ? new m.StartInstancesCommand({ InstanceIds: [instanceId] })
            : new m.TerminateInstancesCommand({ InstanceIds: [instanceId] }),
      );
      const list = out.StoppingInstances ?? out.StartingInstances ?? out.TerminatingInstances ?? [];
      return list[0]?.CurrentState?.Name ?? 'unknown';
    },
  };
}

function runParams(input: RunInput, dryRun: boolean) {
  return {
    ImageId: input.imageId,
    InstanceType: input.instanceType as never,
    MinCount: 1,
    MaxCount: 1,
    DryRun: dryRun,
    ...(input.userDataBase64 ? { UserData: input.userDataBase64 } : {}),
    ...(input.subnetId ? { SubnetId: input.subnetId } : {}),
    ...(input.keyName ? { KeyName: input.keyName } : {}),
    ...(input.clientToken && !dryRun ? { ClientToken: input.clientToken } : {}),
    ...(input.instanceProfile
      ? {
          IamInstanceProfile: input.instanceProfile.startsWith('arn:')
            ? { Arn: input.instanceProfile }
            : { Name: input.instanceProfile },
        }
      : {}),
    ...(input.imdsV2 ? { MetadataOptions: { HttpTokens: 'required' as const, HttpEndpoint: 'enabled' as const } } : {}),
    TagSpecifications: [{ ResourceType: 'instance' as const, Tags: tagList(input.tags) }],
  };
}

function instanceInfo(raw: unknown, region: string): InstanceInfo {
  const i = raw as {
    InstanceId?: string;
    State?: { Name?: string };
    ImageId?: string;
    InstanceType?: string;
    Architecture?: string;
    LaunchTime?: Date;
    PrivateIpAddress?: string;
    PublicIpAddress?: string;
    Tags?: { Key?: string; Value?: string }[];
  };
  return {
    instance_id: i.InstanceId ?? '',
    region,
    state: i.State?.Name ?? 'unknown',
    image_id: i.ImageId ?? '',
    instance_type: i.InstanceType ?? '',
    architecture: i.Architecture ?? '',
    launch_time: i.LaunchTime ? new Date(i.LaunchTime).toISOString() : null,
    private_ip: i.PrivateIpAddress ?? null,
    public_ip: i.PublicIpAddress ?? null,
    tags: tagMap(i.Tags),
  };
}
