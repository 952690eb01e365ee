/**
 * SSM Run Command: SendCommand (AWS-RunShellScript only), GetCommandInvocation, ListCommandInvocations and
 * DescribeInstanceInformation. A command really runs: its lines are written to a script and run with `bash` in the
 * instance's root folder (see disk.ts), with AWS-RunShellScript's `executionTimeout` (default 3600 s) as a time limit.
 * The SSM agent of an instance comes online `ssmAgentOnlineAfterMs` after it is running, and only when it was
 * launched with an instance profile (the agent needs a role to register), as on AWS.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApiError } from './errors.js';
import type { EmulatedInstance, Store } from './state.js';

export type InvocationStatus = 'Pending' | 'InProgress' | 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';

export interface Invocation {
  instanceId: string;
  status: InvocationStatus;
  statusDetails: string;
  responseCode: number;
  stdout: string;
  stderr: string;
  startedAt?: number;
  endedAt?: number;
  child?: ChildProcess;
}

export interface EmulatedCommand {
  commandId: string;
  accountId: string;
  region: string;
  documentName: string;
  comment: string;
  parameters: Record<string, string[]>;
  instanceIds: string[];
  requestedAt: number;
  timeoutSeconds: number;
  executionTimeoutSeconds: number;
  invocations: Map<string, Invocation>;
}

export interface RunCommandContext {
  store: Store;
  region: string;
  accountId: string;
  agentOnlineAfterMs: number;
}

type Json = Record<string, unknown>;

/** SSM keeps the first 24,000 characters of stdout/stderr in GetCommandInvocation, 2,500 in the plugin Output. */
const CONTENT_LIMIT = 24_000;
const PLUGIN_OUTPUT_LIMIT = 2_500;
const COMMAND_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INSTANCE_ID_RE = /^(i|mi)-[0-9a-f]{8,17}$/;
const EXECUTION_TIMEOUT_RE = /^([1-9][0-9]{0,4}|1[0-6][0-9]{4}|17[0-1][0-9]{3}|172[0-7][0-9]{2}|172800)$/;

const epoch = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

/** Online when the instance runs with an instance profile and its agent has had time to start. */
export function agentState(inst: EmulatedInstance, agentOnlineAfterMs: number, now = Date.now()): string | null {
  if (!inst.iamInstanceProfile || inst.runningSince === undefined) return null;
  if (inst.state === 'running' && now >= inst.runningSince + agentOnlineAfterMs) return 'Online';
  if (inst.state === 'running') return null;
  if (inst.state === 'terminated') return null;
  return 'ConnectionLost';
}

function managed(ctx: RunCommandContext): EmulatedInstance[] {
  return [...ctx.store.region(ctx.region).instances.values()].filter(
    (i) => i.ownerId === ctx.accountId && agentState(i, ctx.agentOnlineAfterMs) !== null,
  );
}

function stringList(v: unknown, name: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new ApiError('InvalidParameters', `Parameter "${name}" must be a list of strings.`);
  }
  return v as string[];
}

function sendCommand(ctx: RunCommandContext, input: Json): Json {
  const documentName = input['DocumentName'];
  if (typeof documentName !== 'string' || documentName === '')
    throw new ApiError('ValidationException', '1 validation error detected: DocumentName must not be null');
  if (documentName !== 'AWS-RunShellScript')
    throw new ApiError('InvalidDocument', `Document with name ${documentName} does not exist.`);
  if (input['Targets'] !== undefined)
    throw new ApiError('ValidationException', 'The emulator supports InstanceIds, not Targets');
  const ids = stringList(input['InstanceIds'] ?? [], 'InstanceIds');
  if (ids.length === 0 || ids.length > 50)
    throw new ApiError(
      'ValidationException',
      '1 validation error detected: InstanceIds must have between 1 and 50 members',
    );
  const params = (input['Parameters'] ?? {}) as Json;
  if (typeof params !== 'object' || params === null)
    throw new ApiError('InvalidParameters', 'Parameters must be a map');
  const known = ['commands', 'workingDirectory', 'executionTimeout'];
  for (const k of Object.keys(params)) {
    if (!known.includes(k))
      throw new ApiError('InvalidParameters', `Parameter "${k}" is not defined in document AWS-RunShellScript.`);
  }
  const commands = stringList(params['commands'] ?? [], 'commands');
  if (commands.length === 0)
    throw new ApiError('InvalidParameters', 'Parameter "commands" is required by document AWS-RunShellScript.');
  const execTimeout =
    params['executionTimeout'] === undefined ? ['3600'] : stringList(params['executionTimeout'], 'executionTimeout');
  if (execTimeout.length !== 1 || !EXECUTION_TIMEOUT_RE.test(execTimeout[0] as string)) {
    throw new ApiError(
      'InvalidParameters',
      'Parameter "executionTimeout" must be a whole number of seconds from 1 to 172800.',
    );
  }
  const workingDirectory =
    params['workingDirectory'] === undefined ? [''] : stringList(params['workingDirectory'], 'workingDirectory');
  const timeoutSeconds = input['TimeoutSeconds'] === undefined ? 3600 : Number(input['TimeoutSeconds']);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 30 || timeoutSeconds > 2_592_000)
    throw new ApiError(
      'ValidationException',
      '1 validation error detected: TimeoutSeconds must be between 30 and 2592000',
    );
  const online = new Set(
    managed(ctx)
      .filter((i) => agentState(i, ctx.agentOnlineAfterMs) === 'Online')
      .map((i) => i.instanceId),
  );
  const bad = ids.filter((id) => !INSTANCE_ID_RE.test(id) || !online.has(id));
  // AWS's message for an instance that is not a managed, online instance of the caller.
  if (bad.length > 0)
    throw new ApiError(
      'InvalidInstanceId',
      `Instances [[${bad.join(', ')}]] not in a valid state for account ${ctx.accountId}`,
    );
  const cmd: EmulatedCommand = {
    commandId: randomUUID(),
    accountId: ctx.accountId,
    region: ctx.region,
    documentName,
    comment: typeof input['Comment'] === 'string' ? input['Comment'] : '',
    parameters: { commands, executionTimeout: execTimeout, workingDirectory },
    instanceIds: [...new Set(ids)],
    requestedAt: Date.now(),
    timeoutSeconds,
    executionTimeoutSeconds: Number(execTimeout[0]),
    invocations: new Map(),
  };
  for (const id of cmd.instanceIds) {
    cmd.invocations.set(id, {
      instanceId: id,
      status: 'Pending',
      statusDetails: 'Pending',
      responseCode: -1,
      stdout: '',
      stderr: '',
    });
  }
  ctx.store.commands.set(cmd.commandId, cmd);
  // Delivered on the next turn of the event loop, so a caller can see Pending first, as on AWS.
  setImmediate(() => {
    for (const id of cmd.instanceIds) start(ctx.store, cmd, id, workingDirectory[0] ?? '');
  });
  return { Command: renderCommand(cmd) };
}

function start(store: Store, cmd: EmulatedCommand, instanceId: string, workingDirectory: string): void {
  const inv = cmd.invocations.get(instanceId) as Invocation;
  if (inv.status !== 'Pending') return;
  const root = store.disk.ensureInstance(instanceId);
  const script = join(dirname(dirname(root)), 'scripts', `${cmd.commandId}-${instanceId}.sh`);
  mkdirSync(dirname(script), { recursive: true });
  writeFileSync(script, `${(cmd.parameters['commands'] ?? []).join('\n')}\n`, { mode: 0o700 });
  const cwd = workingDirectory ? join(root, workingDirectory.replace(/^\/+/, '')) : root;
  mkdirSync(cwd, { recursive: true });
  inv.status = 'InProgress';
  inv.statusDetails = 'InProgress';
  inv.startedAt = Date.now();
  const child = spawn('bash', [script], {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: join(root, 'root'),
      LANG: 'C.UTF-8',
      CWS_EMULATOR_ROOT: root,
      CWS_EMULATOR_INSTANCE_ID: instanceId,
    },
  });
  inv.child = child;
  child.stdout?.on('data', (b: Buffer) => {
    inv.stdout = (inv.stdout + b.toString('utf8')).slice(0, CONTENT_LIMIT);
  });
  child.stderr?.on('data', (b: Buffer) => {
    inv.stderr = (inv.stderr + b.toString('utf8')).slice(0, CONTENT_LIMIT);
  });
  const timer = setTimeout(() => {
    if (inv.status !== 'InProgress') return;
    finish(inv, 'TimedOut', 'ExecutionTimedOut', -1);
    inv.stderr = `${inv.stderr}failed to run commands: exit status 124 (execution timed out)\n`.slice(0, CONTENT_LIMIT);
    kill(child);
  }, cmd.executionTimeoutSeconds * 1000);
  timer.unref();
  child.on('error', (err) => {
    clearTimeout(timer);
    if (inv.status === 'InProgress') {
      inv.stderr += `failed to run commands: ${err.message}\n`;
      finish(inv, 'Failed', 'Failed', 1);
    }
  });
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    inv.child = undefined;
    if (inv.status !== 'InProgress') return;
    const rc = code ?? (signal ? 128 : 1);
    if (rc === 0) finish(inv, 'Success', 'Success', 0);
    else {
      inv.stderr = `${inv.stderr}failed to run commands: exit status ${rc}\n`.slice(0, CONTENT_LIMIT);
      finish(inv, 'Failed', 'Failed', rc);
    }
  });
}

function finish(inv: Invocation, status: InvocationStatus, details: string, code: number): void {
  inv.status = status;
  inv.statusDetails = details;
  inv.responseCode = code;
  inv.endedAt = Date.now();
}

function kill(child: ChildProcess | undefined): void {
  if (!child?.pid) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** An instance that stopped or went away under a running command ends it, as the agent goes with it. */
function refresh(ctx: RunCommandContext, cmd: EmulatedCommand): void {
  const instances = ctx.store.region(cmd.region).instances;
  for (const inv of cmd.invocations.values()) {
    if (inv.status !== 'InProgress' && inv.status !== 'Pending') continue;
    const inst = instances.get(inv.instanceId);
    if (!inst || inst.state !== 'running') {
      kill(inv.child);
      finish(inv, 'Failed', 'Undeliverable', -1);
    }
  }
}

/** Kills every running command (reset/close). */
export function killAllCommands(store: Store): void {
  for (const cmd of store.commands.values()) for (const inv of cmd.invocations.values()) kill(inv.child);
}

function ownCommand(ctx: RunCommandContext, id: unknown): EmulatedCommand | undefined {
  if (typeof id !== 'string') return undefined;
  const cmd = ctx.store.commands.get(id);
  return cmd && cmd.accountId === ctx.accountId && cmd.region === ctx.region ? cmd : undefined;
}

function overall(cmd: EmulatedCommand): { status: string; details: string } {
  const list = [...cmd.invocations.values()];
  if (list.some((i) => i.status === 'Pending' || i.status === 'InProgress')) {
    const anyStarted = list.some((i) => i.status !== 'Pending');
    return { status: anyStarted ? 'InProgress' : 'Pending', details: anyStarted ? 'InProgress' : 'Pending' };
  }
  if (list.every((i) => i.status === 'Success')) return { status: 'Success', details: 'Success' };
  if (list.some((i) => i.status === 'TimedOut')) return { status: 'TimedOut', details: 'TimedOut' };
  return { status: 'Failed', details: 'Failed' };
}

function renderCommand(cmd: EmulatedCommand): Json {
  const o = overall(cmd);
  const list = [...cmd.invocations.values()];
  return {
    CommandId: cmd.commandId,
    DocumentName: cmd.documentName,
    DocumentVersion: '$DEFAULT',
    Comment: cmd.comment,
    ExpiresAfter: epoch(cmd.requestedAt + cmd.timeoutSeconds * 1000),
    Parameters: cmd.parameters,
    InstanceIds: cmd.instanceIds,
    Targets: [],
    RequestedDateTime: epoch(cmd.requestedAt),
    Status: o.status,
    StatusDetails: o.details,
    OutputS3Region: cmd.region,
    MaxConcurrency: '50',
    MaxErrors: '0',
    TargetCount: list.length,
    CompletedCount: list.filter((i) => !['Pending', 'InProgress'].includes(i.status)).length,
    ErrorCount: list.filter((i) => i.status === 'Failed').length,
    DeliveryTimedOutCount: 0,
    TimeoutSeconds: cmd.timeoutSeconds,
    CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
  };
}

function elapsed(inv: Invocation): string {
  if (inv.startedAt === undefined) return '';
  const s = Math.round(((inv.endedAt ?? Date.now()) - inv.startedAt) / 1000);
  return `PT${s}S`;
}

const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());

function getCommandInvocation(ctx: RunCommandContext, input: Json): Json {
  const commandId = input['CommandId'];
  const instanceId = input['InstanceId'];
  if (typeof commandId !== 'string' || !COMMAND_ID_RE.test(commandId))
    throw new ApiError('ValidationException', '1 validation error detected: CommandId must have length 36');
  if (typeof instanceId !== 'string' || !INSTANCE_ID_RE.test(instanceId))
    throw new ApiError('InvalidInstanceId', 'Instance Id is not valid');
  if (input['PluginName'] !== undefined && input['PluginName'] !== 'aws:runShellScript')
    throw new ApiError('InvalidPluginName', 'The plugin name is not valid.');
  const cmd = ownCommand(ctx, commandId);
  const inv = cmd?.invocations.get(instanceId);
  if (!cmd || !inv) throw new ApiError('InvocationDoesNotExist', '');
  refresh(ctx, cmd);
  return {
    CommandId: cmd.commandId,
    InstanceId: inv.instanceId,
    Comment: cmd.comment,
    DocumentName: cmd.documentName,
    DocumentVersion: '$DEFAULT',
    PluginName: 'aws:runShellScript',
    ResponseCode: inv.responseCode,
    ExecutionStartDateTime: iso(inv.startedAt),
    ExecutionElapsedTime: elapsed(inv),
    ExecutionEndDateTime: iso(inv.endedAt),
    Status: inv.status,
    StatusDetails: inv.statusDetails,
    StandardOutputContent: inv.stdout,
    StandardOutputUrl: '',
    StandardErrorContent: inv.stderr,
    StandardErrorUrl: '',
    CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
  };
}

function pluginOutput(inv: Invocation): string {
  const out = inv.stderr ? `${inv.stdout}\n----------ERROR-------\n${inv.stderr}` : inv.stdout;
  return out.slice(0, PLUGIN_OUTPUT_LIMIT);
}

function page<T>(list: T[], input: Json, max: number, dflt: number): { items: T[]; next?: string } {
  const size = input['MaxResults'] === undefined ? dflt : Number(input['MaxResults']);
  if (!Number.isInteger(size) || size < 1 || size > max)
    throw new ApiError('ValidationException', `1 validation error detected: MaxResults must be between 1 and ${max}`);
  const token = input['NextToken'];
  const startAt = typeof token === 'string' ? Number(Buffer.from(token, 'base64').toString('utf8')) : 0;
  if (!Number.isInteger(startAt) || startAt < 0)
    throw new ApiError('InvalidNextToken', 'The specified token is not valid.');
  const items = list.slice(startAt, startAt + size);
  const next = startAt + size < list.length ? Buffer.from(String(startAt + size)).toString('base64') : undefined;
  return next ? { items, next } : { items };
}

function listCommandInvocations(ctx: RunCommandContext, input: Json): Json {
  const commandId = input['CommandId'];
  const instanceId = input['InstanceId'];
  if (commandId !== undefined && (typeof commandId !== 'string' || !COMMAND_ID_RE.test(commandId)))
    throw new ApiError('InvalidCommandId', '');
  if (instanceId !== undefined && (typeof instanceId !== 'string' || !INSTANCE_ID_RE.test(instanceId)))
    throw new ApiError('InvalidInstanceId', 'Instance Id is not valid');
  const commands = [...ctx.store.commands.values()].filter(
    (c) =>
      c.accountId === ctx.accountId &&
      c.region === ctx.region &&
      (commandId === undefined || c.commandId === commandId),
  );
  if (commandId !== undefined && commands.length === 0) throw new ApiError('InvalidCommandId', '');
  const details = input['Details'] === true;
  const rows: Json[] = [];
  for (const cmd of commands.sort((a, b) => b.requestedAt - a.requestedAt)) {
    refresh(ctx, cmd);
    for (const inv of cmd.invocations.values()) {
      if (instanceId !== undefined && inv.instanceId !== instanceId) continue;
      rows.push({
        CommandId: cmd.commandId,
        InstanceId: inv.instanceId,
        InstanceName: '',
        Comment: cmd.comment,
        DocumentName: cmd.documentName,
        DocumentVersion: '$DEFAULT',
        RequestedDateTime: epoch(cmd.requestedAt),
        Status: inv.status,
        StatusDetails: inv.statusDetails,
        TraceOutput: '',
        StandardOutputUrl: '',
        StandardErrorUrl: '',
        CommandPlugins: details
          ? [
              {
                Name: 'aws:runShellScript',
                Status: inv.status,
                StatusDetails: inv.statusDetails,
                ResponseCode: inv.responseCode,
                ResponseStartDateTime: epoch(inv.startedAt),
                ResponseFinishDateTime: epoch(inv.endedAt),
                Output: pluginOutput(inv),
                StandardOutputUrl: '',
                StandardErrorUrl: '',
                OutputS3Region: cmd.region,
              },
            ]
          : [],
        CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
      });
    }
  }
  const p = page(rows, input, 50, 50);
  return { CommandInvocations: p.items, ...(p.next ? { NextToken: p.next } : {}) };
}

function describeInstanceInformation(ctx: RunCommandContext, input: Json): Json {
  if (input['Filters'] !== undefined && input['InstanceInformationFilterList'] !== undefined)
    throw new ApiError('InvalidFilter', 'Use either Filters or InstanceInformationFilterList, not both.');
  const wanted = new Map<string, string[]>();
  for (const f of (input['Filters'] ?? []) as { Key?: string; Values?: string[] }[]) {
    if (!f.Key || !Array.isArray(f.Values) || f.Values.length === 0)
      throw new ApiError('InvalidFilter', 'Filters need a Key and Values.');
    wanted.set(f.Key, f.Values);
  }
  for (const f of (input['InstanceInformationFilterList'] ?? []) as { key?: string; valueSet?: string[] }[]) {
    if (!f.key || !Array.isArray(f.valueSet) || f.valueSet.length === 0)
      throw new ApiError('InvalidFilter', 'Filters need a key and valueSet.');
    wanted.set(f.key, f.valueSet);
  }
  for (const k of wanted.keys()) {
    if (!['InstanceIds', 'PingStatus', 'ResourceType', 'PlatformTypes'].includes(k))
      throw new ApiError('InvalidFilterKey', `The filter key ${k} is not valid.`);
  }
  const ids = wanted.get('InstanceIds');
  for (const id of ids ?? [])
    if (!INSTANCE_ID_RE.test(id)) throw new ApiError('InvalidInstanceId', `Instance Id ${id} is not valid`);
  const now = Date.now();
  const rows = managed(ctx)
    .map((i) => ({ i, ping: agentState(i, ctx.agentOnlineAfterMs, now) as string }))
    .filter(
      ({ i, ping }) =>
        (!ids || ids.includes(i.instanceId)) && (!wanted.get('PingStatus') || wanted.get('PingStatus')?.includes(ping)),
    )
    .filter(() => !wanted.get('ResourceType') || wanted.get('ResourceType')?.includes('EC2Instance'))
    .filter(() => !wanted.get('PlatformTypes') || wanted.get('PlatformTypes')?.includes('Linux'))
    .map(({ i, ping }) => ({
      InstanceId: i.instanceId,
      PingStatus: ping,
      LastPingDateTime: epoch(ping === 'Online' ? now : i.runningSince),
      AgentVersion: '3.3.1142.0',
      IsLatestVersion: true,
      PlatformType: 'Linux',
      PlatformName: 'Ubuntu',
      PlatformVersion: '24.04',
      ResourceType: 'EC2Instance',
      IPAddress: i.privateIpAddress,
      ComputerName: `ip-${i.privateIpAddress.replace(/\./g, '-')}.ec2.internal`,
      AssociationStatus: 'Success',
      SourceId: i.instanceId,
      SourceType: 'AWS::EC2::Instance',
    }));
  const p = page(rows, input, 50, 50);
  return { InstanceInformationList: p.items, ...(p.next ? { NextToken: p.next } : {}) };
}

export const RUN_COMMAND_OPS: Record<string, (ctx: RunCommandContext, input: Json) => Json> = {
  SendCommand: sendCommand,
  GetCommandInvocation: getCommandInvocation,
  ListCommandInvocations: listCommandInvocations,
  DescribeInstanceInformation: describeInstanceInformation,
};
