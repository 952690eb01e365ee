import type { SSMClient } from '@aws-sdk/client-ssm';
import { CwsError } from '../errors.js';
import { type RunScriptOptions, type ScriptResult, toAwsError, type WaitForAgentOptions } from './gateway.js';

/**
 * SSM Run Command on the user's own instances: wait for the agent, run a shell script (AWS-RunShellScript) and follow
 * it to the end, passing on output as it arrives. Reached through the AWS gateway (ctx.aws()), never made directly.
 */
type Sdk = typeof import('@aws-sdk/client-ssm');
const TERMINAL = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Run Command's calls; the gateway (sdk-gateway.ts) hands it its SSM clients and exposes these methods. */
export class SsmOps {
  private sdkPromise: Promise<Sdk> | undefined;

  constructor(private readonly client: (region: string) => Promise<SSMClient>) {}

  private sdk(): Promise<Sdk> {
    this.sdkPromise ??= import('@aws-sdk/client-ssm');
    return this.sdkPromise;
  }

  private async call<T>(region: string, action: string, make: (m: Sdk) => unknown): Promise<T> {
    const m = await this.sdk();
    const client = await this.client(region);
    try {
      // biome-ignore lint/suspicious/noExplicitAny: one send() for many command types
      return (await client.send(make(m) as any)) as T;
    } catch (err) {
      throw toAwsError(err, `ssm:${action}`, region);
    }
  }

  /** The agent's PingStatus (Online, ConnectionLost, Inactive) or null when the instance is not a managed node. */
  async agentStatus(region: string, instanceId: string): Promise<string | null> {
    const out = await this.call<{ InstanceInformationList?: { InstanceId?: string; PingStatus?: string }[] }>(
      region,
      'DescribeInstanceInformation',
      (m) => new m.DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }),
    );
    return out.InstanceInformationList?.find((i) => i.InstanceId === instanceId)?.PingStatus ?? null;
  }

  /** Waits until the instance's SSM agent is Online. */
  async waitForAgent(region: string, instanceId: string, opts: WaitForAgentOptions): Promise<void> {
    const start = Date.now();
    let delay = 200;
    for (;;) {
      throwIfAborted(opts.signal);
      const status = await this.agentStatus(region, instanceId);
      opts.onTick?.(status, Date.now() - start);
      if (status === 'Online') return;
      if (Date.now() - start > opts.timeoutMs) {
        throw new CwsError(
          `the SSM agent on ${instanceId} did not come online within ${Math.round(opts.timeoutMs / 1000)} s (${status ?? 'not registered'})`,
          {
            code: 'ssm_agent_offline',
            suggestions: [
              'the instance needs an instance profile whose role has AmazonSSMManagedInstanceCore (see --instance-profile)',
              'and a route to the SSM endpoints (a public IP, a NAT gateway or VPC endpoints for ssm, ssmmessages and ec2messages)',
            ],
          },
        );
      }
      await sleep(delay);
      delay = Math.min(5000, Math.round(delay * 1.5));
    }
  }

  /** Runs `script` with AWS-RunShellScript and follows it until it ends. A failing script is a result, not an error. */
  async runScript(region: string, instanceId: string, script: string, opts: RunScriptOptions): Promise<ScriptResult> {
    const started = Date.now();
    const sent = await this.call<{ Command?: { CommandId?: string } }>(
      region,
      'SendCommand',
      (m) =>
        new m.SendCommandCommand({
          InstanceIds: [instanceId],
          DocumentName: 'AWS-RunShellScript',
          Comment: (opts.comment ?? 'cws').slice(0, 100),
          TimeoutSeconds: 600,
          Parameters: {
            commands: [script],
            executionTimeout: [String(Math.max(1, Math.min(172800, opts.timeoutSeconds)))],
          },
        }),
    );
    const commandId = sent.Command?.CommandId;
    if (!commandId) throw new CwsError('SendCommand returned no command id', { code: 'aws_error' });
    let seen = 0;
    let delay = 150;
    // Delivery plus the execution limit, with a margin: past that SSM would have ended it itself.
    const deadline = started + (opts.timeoutSeconds + 660) * 1000;
    for (;;) {
      throwIfAborted(opts.signal);
      let inv: {
        Status?: string;
        StatusDetails?: string;
        ResponseCode?: number;
        StandardOutputContent?: string;
        StandardErrorContent?: string;
      } | null = null;
      try {
        inv = await this.call(
          region,
          'GetCommandInvocation',
          (m) => new m.GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
        );
      } catch (err) {
        // Right after SendCommand the invocation may not exist yet (eventual consistency).
        if ((err as { awsCode?: string }).awsCode !== 'InvocationDoesNotExist') throw err;
      }
      if (inv) {
        const out = inv.StandardOutputContent ?? '';
        if (out.length > seen) {
          opts.onOutput?.(out.slice(seen));
          seen = out.length;
        }
        if (TERMINAL.has(inv.Status ?? '')) {
          return {
            command_id: commandId,
            status: inv.Status ?? 'Failed',
            status_details: inv.StatusDetails ?? '',
            exit_code: inv.ResponseCode ?? -1,
            stdout: out,
            stderr: inv.StandardErrorContent ?? '',
            timed_out: inv.Status === 'TimedOut' || inv.StatusDetails === 'ExecutionTimedOut',
            seconds: Math.round((Date.now() - started) / 1000),
          };
        }
      }
      if (Date.now() > deadline) {
        throw new CwsError(`command ${commandId} on ${instanceId} did not finish in time`, {
          code: 'timeout',
        });
      }
      await sleep(delay);
      delay = Math.min(3000, Math.round(delay * 1.4));
    }
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new CwsError('interrupted', { code: 'interrupted' });
  }
}
