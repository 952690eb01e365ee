import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AwsEmulator, DEFAULT_ACCOUNTS, startEmulator } from '@cws/aws-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI_BIN, cws, type Sandbox, sandbox } from './run-cws.js';

/**
 * cws ami build end to end: the built binary against the emulator, whose SSM Run Command really runs the setup
 * script and the validation tests in the builder's root folder, which becomes the image's.
 */
const { A } = DEFAULT_ACCOUNTS;
let emu: AwsEmulator;
let box: Sandbox;

const GOOD = `name: marker-lab
description: writes a marker file and checks it
base_image: ubuntu-24.04
architectures: [x86_64]
setup_script: |
  #!/bin/bash
  set -euo pipefail
  echo "installing the marker"
  mkdir -p opt/cws
  echo "ready-42" > opt/cws/marker
  # things the clean-up must remove before imaging
  mkdir -p home/ubuntu/.ssh root
  echo "ssh-ed25519 AAAAC3Nza builder@laptop" > home/ubuntu/.ssh/authorized_keys
  echo "aws s3 ls --profile secret" > root/.bash_history
  echo "setup done"
validation_tests:
  - name: marker written
    command: cat opt/cws/marker
    expected: ready-42
  - name: marker mentions 42
    command: grep -c 42 opt/cws/marker
    expected_contains: "1"
`;

const BROKEN = `name: broken-lab
description: its validation test fails
base_image: ubuntu-24.04
setup_script: |
  mkdir -p opt && echo half > opt/state
validation_tests:
  - name: state complete
    command: "cat opt/state; test \\"$(cat opt/state)\\" = complete"
`;

const run = (...args: string[]) => cws([...args, '--json'], { env: box.env, timeoutMs: 90_000 });

beforeAll(async () => {
  assertBuilt();
  emu = await startEmulator({ imageAvailableAfterMs: 150, instanceTransitionMs: 150, ssmAgentOnlineAfterMs: 150 });
  box = sandbox({
    AWS_ACCESS_KEY_ID: A.accessKeyId,
    AWS_SECRET_ACCESS_KEY: A.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: emu.url,
  });
  mkdirSync(box.templatesDir, { recursive: true });
  writeFileSync(join(box.templatesDir, 'marker-lab.yml'), `# my lab\n${GOOD}`);
  writeFileSync(join(box.templatesDir, 'broken-lab.yml'), BROKEN);
});
afterAll(async () => {
  box?.cleanup();
  await emu?.close();
});

describe('cws ami build', () => {
  it('runs the setup script and tests, cleans, images, copies and maps the template', {
    timeout: 120_000,
  }, async () => {
    const r = await run('ami', 'build', 'marker-lab', '--copy-to-regions', 'us-west-2');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json).toMatchObject({
      status: 'complete',
      template: 'marker-lab',
      region: 'us-east-1',
      builder: 'shutting-down',
    });
    expect(r.json.tests.map((t: { name: string; passed: boolean }) => [t.name, t.passed])).toEqual([
      ['marker written', true],
      ['marker mentions 42', true],
    ]);
    const east = r.json.images['us-east-1'];
    const west = r.json.images['us-west-2'];
    expect(emu.getImage('us-east-1', east)).toMatchObject({
      state: 'available',
      ownerId: A.accountId,
      tags: expect.objectContaining({ 'cws:build': r.json.build_id, 'cws:template': 'marker-lab' }),
    });
    expect(emu.getImage('us-west-2', west)?.state).toBe('available');
    // What the setup script wrote is in the image and its copy; what the clean-up removed is not.
    for (const id of [east, west]) {
      expect(readFileSync(join(emu.imageRoot(id), 'opt/cws/marker'), 'utf8')).toBe('ready-42\n');
      expect(existsSync(join(emu.imageRoot(id), 'home/ubuntu/.ssh/authorized_keys'))).toBe(false);
      expect(existsSync(join(emu.imageRoot(id), 'root/.bash_history'))).toBe(false);
    }
    expect(r.json.hygiene.findings).toEqual([]);
    expect(r.json.hygiene.removed).toEqual(
      expect.arrayContaining(['removed /home/ubuntu/.ssh/authorized_keys', 'removed /root/.bash_history']),
    );
    // The builder: IMDSv2, tagged with the build, instance profile, terminated.
    const builder = emu.listInstances('us-east-1').find((i) => i.instanceId === r.json.instance_id);
    expect(builder).toMatchObject({
      httpTokens: 'required',
      tags: expect.objectContaining({ 'cws:build': r.json.build_id }),
    });
    expect(builder?.iamInstanceProfile?.arn).toMatch(/instance-profile\/cws-ssm$/);
    expect(['shutting-down', 'terminated']).toContain(builder?.state);
    // The template file keeps its comment and gains the mappings.
    const text = readFileSync(r.json.template_file, 'utf8');
    expect(text.startsWith('# my lab')).toBe(true);
    expect(text).toMatch(new RegExp(`ami_mappings:\\s+us-east-1:\\s+x86_64: ${east}\\s+us-west-2:\\s+x86_64: ${west}`));
    const log = readFileSync(r.json.log_file, 'utf8');
    expect(log).toContain('installing the marker');
    expect(log).toContain('test: marker written: passed');
    // The template now resolves to the built image.
    const resolved = await run('ami', 'resolve', 'marker-lab');
    expect(resolved.json).toMatchObject({ ami_id: east, resolution_method: 'direct_mapping' });
    const human = await cws(['ami', 'build', '--list'], { env: box.env });
    expect(human.stdout).toContain(r.json.build_id);
  });

  it('makes no image when a validation test fails, names the test, and terminates the builder', {
    timeout: 120_000,
  }, async () => {
    const before = new Set(emu.listInstances('us-east-1').map((i) => i.instanceId));
    const r = await run('ami', 'build', 'broken-lab');
    expect(r.code, r.stdout + r.stderr).toBe(9);
    expect(r.json.error).toMatchObject({ code: 'tests_failed', exit: 9, failed_test: 'state complete' });
    expect(r.json.error.message).toContain('validation test "state complete" failed (exit code 1)');
    expect(r.json.error.message).toContain('half');
    expect(r.json.error.images).toEqual({});
    const builder = emu.listInstances('us-east-1').find((i) => !before.has(i.instanceId));
    expect(builder?.instanceId).toBe(r.json.error.instance_id);
    expect(['shutting-down', 'terminated']).toContain(builder?.state);
    const own = [...emu.listInstances()].length;
    expect(own).toBeGreaterThan(0);
    const list = await run('ami', 'build', '--list');
    const rec = list.json.builds.find((b: { id: string }) => b.id === r.json.error.build_id);
    expect(rec).toMatchObject({ status: 'failed', last_step: 'testing', images: {} });
    // Human output names the test and its output too.
    const human = await cws(['ami', 'build', 'broken-lab'], { env: box.env, timeoutMs: 90_000 });
    expect(human.code).toBe(9);
    expect(human.stderr).toContain('validation test "state complete" failed');
  });

  it('keeps the builder when asked, and --cleanup removes it with the image', { timeout: 120_000 }, async () => {
    const r = await run('ami', 'build', 'marker-lab', '--keep-builder');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.builder).toBe('kept');
    expect(emu.listInstances('us-east-1').find((i) => i.instanceId === r.json.instance_id)?.state).toBe('stopped');
    const c = await run('ami', 'build', '--cleanup', r.json.build_id);
    expect(c.code, c.stdout + c.stderr).toBe(0);
    expect(c.json).toMatchObject({
      status: 'cleaned',
      terminated: [{ region: 'us-east-1', instance_id: r.json.instance_id }],
      deregistered: [{ region: 'us-east-1', image_id: r.json.image_id }],
    });
    expect(emu.getImage('us-east-1', r.json.image_id)).toBeUndefined();
    const again = await run('ami', 'build', '--resume', r.json.build_id);
    expect(again.code).toBe(2);
  });

  it('build-all builds every user template and sums up, one failure not stopping the rest', {
    timeout: 180_000,
  }, async () => {
    const r = await run('ami', 'build-all');
    expect(r.code, r.stdout + r.stderr).toBe(9);
    const rows = Object.fromEntries(r.json.results.map((x: { template: string }) => [x.template, x]));
    expect(rows['marker-lab']).toMatchObject({ status: 'complete', image_id: expect.stringMatching(/^ami-/) });
    expect(rows['broken-lab']).toMatchObject({ status: 'failed', exit: 9, image_id: null });
    expect(rows['broken-lab'].error).toContain('validation test "state complete" failed');
    expect(r.json).toMatchObject({ built: 1, failed: 1 });
  });

  it('an interrupted build (killed while the image is made) is finished by --resume', {
    timeout: 120_000,
  }, async () => {
    const stateFile = join(box.dir, '.local', 'state', 'cws', 'state.json');
    // Slow image polling keeps the build in its "waiting" step long enough to kill it there.
    emu.setLatency('DescribeImages', 1500);
    const child = spawn(process.execPath, [CLI_BIN, 'ami', 'build', 'marker-lab', '--json'], {
      env: box.env,
      stdio: 'ignore',
    });
    let rec: { id: string; status: string; images: Record<string, string>; instance_id: string } | undefined;
    for (let i = 0; i < 600 && !rec; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const builds = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')).builds : [];
      rec = builds.find(
        (b: { status: string; images: Record<string, string> }) => b.status === 'waiting' && b.images['us-east-1'],
      );
    }
    child.kill('SIGKILL');
    emu.setLatency('DescribeImages', 0);
    expect(rec, 'the build reached its waiting step').toBeDefined();
    const id = rec?.id as string;
    // Killed outright: the builder was not terminated, the record still says waiting.
    expect(emu.listInstances('us-east-1').find((i) => i.instanceId === rec?.instance_id)?.state).toMatch(/stopp/);
    const r = await run('ami', 'build', '--resume', id);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json).toMatchObject({ build_id: id, status: 'complete', image_id: rec?.images['us-east-1'] });
    expect(['shutting-down', 'terminated']).toContain(r.json.builder);
    expect(emu.getImage('us-east-1', r.json.image_id)?.state).toBe('available');
    expect(readFileSync(r.json.template_file, 'utf8')).toContain(r.json.image_id);
  });

  it('Ctrl-C during the setup script stops the build and terminates the builder', { timeout: 120_000 }, async () => {
    const file = join(box.dir, 'slow-lab.yml');
    writeFileSync(file, 'name: slow-lab\nsetup_script: |\n  echo starting\n  sleep 60\n');
    const stateFile = join(box.dir, '.local', 'state', 'cws', 'state.json');
    const child = spawn(process.execPath, [CLI_BIN, 'ami', 'build', file, '--json'], {
      env: box.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    let rec: { id: string; instance_id: string } | undefined;
    for (let i = 0; i < 600 && !rec; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const builds = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')).builds : [];
      rec = builds.find((b: { template: string; status: string }) => b.template === 'slow-lab' && b.status === 'setup');
    }
    expect(rec, 'the build reached its setup step').toBeDefined();
    child.kill('SIGINT');
    const code = await exited;
    expect(code).not.toBe(0);
    expect(JSON.parse(out).error).toMatchObject({ code: 'interrupted', builder: 'shutting-down' });
    expect(['shutting-down', 'terminated']).toContain(
      emu.listInstances('us-east-1').find((i) => i.instanceId === rec?.instance_id)?.state,
    );
    const list = await run('ami', 'build', '--list');
    expect(list.json.builds.find((b: { id: string }) => b.id === rec?.id)).toMatchObject({
      status: 'failed',
      last_step: 'setup',
    });
  });

  it('instance-profile create makes the role and profile once, then finds them done', async () => {
    const first = await run('instance-profile', 'create', 'lab-ssm');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.json).toMatchObject({
      name: 'lab-ssm',
      arn: `arn:aws:iam::${A.accountId}:instance-profile/lab-ssm`,
      created: { role: true, profile: true, policy_attached: true, role_added: true },
    });
    const again = await run('instance-profile', 'create', 'lab-ssm');
    expect(again.json.created).toEqual({ role: false, profile: false, policy_attached: false, role_added: false });
    const bad = await run('instance-profile', 'create', 'no spaces');
    expect(bad.code).toBe(2);
  });
});
