import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AwsEmulator, DEFAULT_ACCOUNTS, type EmulatorAccount, startEmulator } from '@cws/aws-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsConfig } from '../helpers/aws.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { assertBuilt, cws, type Sandbox, sandbox } from './run-cws.js';
import { addRegistry } from './seed.js';

/**
 * cws ami test, the publisher's test report on the registry, and the in-image hygiene check before a public publish,
 * with the built binary against the emulator (commands really run in the instances' root folders) and a registry
 * that verifies against the same emulator.
 */
const { A, B } = DEFAULT_ACCOUNTS;
const REGISTRY: EmulatorAccount = {
  accessKeyId: 'AKIAEMULATORREGISTRY',
  secretAccessKey: 'emulatorSecretForTheRegistry000000000000',
  accountId: '999999999999',
  arn: 'arn:aws:iam::999999999999:user/cws-registry',
};
const TEMPLATE = `name: marker-lab
description: a marker file
setup_script: |
  mkdir -p opt/cws && echo ready-42 > opt/cws/marker
validation_tests:
  - name: marker written
    command: cat opt/cws/marker
    expected: ready-42
  - name: marker readable
    command: test -r opt/cws/marker && echo ok
    expected_contains: ok
`;

let emu: AwsEmulator;
let reg: TestRegistry;
let alice: Sandbox;
let bob: Sandbox;

function boxFor(account: EmulatorAccount): Sandbox {
  const box = sandbox({
    AWS_ACCESS_KEY_ID: account.accessKeyId,
    AWS_SECRET_ACCESS_KEY: account.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: emu.url,
  });
  mkdirSync(box.templatesDir, { recursive: true });
  writeFileSync(join(box.templatesDir, 'marker-lab.yml'), TEMPLATE);
  return box;
}
const as =
  (box: Sandbox) =>
  (...args: string[]) =>
    cws([...args, '--json'], { env: box.env, timeoutMs: 90_000 });
const token = (box: Sandbox) => JSON.parse(readFileSync(box.configFile, 'utf8')).registries[0].token as string;

beforeAll(async () => {
  assertBuilt();
  emu = await startEmulator({
    accounts: [A, B, REGISTRY],
    imageAvailableAfterMs: 150,
    instanceTransitionMs: 150,
    ssmAgentOnlineAfterMs: 150,
  });
  reg = await startRegistry({
    config: {
      aws: awsConfig(emu, {
        verify: true,
        credentials: { accessKeyId: REGISTRY.accessKeyId, secretAccessKey: REGISTRY.secretAccessKey },
      }),
    },
  });
  alice = boxFor(A);
  bob = boxFor(B);
  await addRegistry(alice, 'community', reg.url);
  await addRegistry(bob, 'community', reg.url);
  expect((await as(alice)('login', '--aws')).code).toBe(0);
  expect((await as(bob)('login', '--aws')).code).toBe(0);
}, 180_000);
afterAll(async () => {
  alice?.cleanup();
  bob?.cleanup();
  await reg?.close();
  await emu?.close();
});

describe('cws ami test', () => {
  it('passes a good image, fails a broken one with each test and its output, and terminates both', {
    timeout: 150_000,
  }, async () => {
    const a = as(alice);
    const good = emu.addImage({
      region: 'us-east-1',
      ownerAccount: A.accountId,
      name: 'marker-good',
      tags: { 'cws:template': 'marker-lab' },
      files: { 'opt/cws/marker': 'ready-42\n' },
    });
    const broken = emu.addImage({
      region: 'us-east-1',
      ownerAccount: A.accountId,
      name: 'marker-broken',
      files: { 'opt/cws/marker': 'half\n' },
    });
    const ok = await a('ami', 'test', good);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.json).toMatchObject({ image_id: good, template: 'marker-lab', passed: true });
    expect(ok.json.tests.map((t: { passed: boolean }) => t.passed)).toEqual([true, true]);
    const bad = await a('ami', 'test', broken, '--template', 'marker-lab', '--test-timeout', '30');
    expect(bad.code, bad.stdout + bad.stderr).toBe(9);
    expect(bad.json.passed).toBe(false);
    expect(bad.json.tests[0]).toMatchObject({
      name: 'marker written',
      passed: false,
      reason: 'output was not "ready-42"',
    });
    expect(bad.json.tests[0].output).toContain('half');
    expect(bad.json.tests[1]).toMatchObject({ name: 'marker readable', passed: true });
    for (const id of [ok.json.instance_id, bad.json.instance_id]) {
      const inst = emu.listInstances('us-east-1').find((i) => i.instanceId === id);
      expect(inst).toMatchObject({ httpTokens: 'required', imageId: expect.stringMatching(/^ami-/) });
      expect(['shutting-down', 'terminated']).toContain(inst?.state);
    }
    // Without a template the tests are unknown: a clear usage error, nothing launched.
    const before = emu.listInstances().length;
    const none = await a('ami', 'test', broken);
    expect(none.code).toBe(2);
    expect(none.json.error.suggestions.join(' ')).toContain('--template');
    expect(emu.listInstances()).toHaveLength(before);
    // A human sees pass/fail per test.
    const human = await cws(['ami', 'test', broken, '--template', 'marker-lab'], { env: alice.env, timeoutMs: 90_000 });
    expect(human.code).toBe(9);
    expect(human.stdout).toMatch(/FAIL\s+marker written/);
    expect(human.stdout).toMatch(/pass\s+marker readable/);

    // Publish the good image, then report its tests to the registry: shown as publisher-reported.
    const pub = await a(
      'ami',
      'publish',
      good,
      '--region',
      'us-east-1',
      '--name',
      'alice/marker',
      '--template',
      'marker-lab',
      '--public',
    );
    expect(pub.code, pub.stdout + pub.stderr).toBe(0);
    expect(pub.json).toMatchObject({ hygiene_status: 'passed', hygiene: { passed: true, findings: [] } });
    const rep = await a('ami', 'test', 'alice/marker', '--report');
    expect(rep.code, rep.stdout + rep.stderr).toBe(0);
    expect(rep.json.report).toMatchObject({
      publisher_reported: true,
      reported_by: 'alice',
      passed: true,
      total: 2,
      ami_id: good,
    });
    const info = await a('ami', 'info', 'alice/marker');
    expect(info.json.listing.versions[0].test_report).toMatchObject({ passed: true, publisher_reported: true });
    expect(info.json.listing.versions[0].hygiene).toMatchObject({ status: 'passed', publisher_reported: true });
    const page = await fetch(`${reg.url}/l/alice/marker`).then((r) => r.text());
    expect(page).toMatch(/Validation tests passed on <time datetime="[^"]+">\d{4}-\d\d-\d\d<\/time>/);
    expect(page).toContain('(reported by the publisher)');
    // Bob may run the tests but not report them on alice's listing.
    const bobs = await as(bob)('ami', 'test', 'alice/marker', '--report');
    expect(bobs.code, bobs.stdout + bobs.stderr).toBe(7);
  });

  it('refuses bad reports with 4xx', async () => {
    const url = `${reg.url}/api/v1/listings/alice/marker/versions/1.0.0/tests`;
    const post = (body: unknown, who = alice) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token(who)}` },
        body: JSON.stringify(body),
      });
    const good = {
      region: 'us-east-1',
      architecture: 'x86_64',
      ami_id: 'ami-0123456789abcdef0',
      tested_at: new Date().toISOString(),
      tests: [{ name: 't', passed: true }],
    };
    const notOurs = await post(good);
    expect(notOurs.status).toBe(400);
    expect((await notOurs.json()).error.message).toContain("is not alice/marker@1.0.0's image");
    expect((await post({ ...good, tests: [] })).status).toBe(400);
    expect((await post({ ...good, extra: 1 })).status).toBe(400);
    expect((await post({ ...good, tested_at: 'yesterday' })).status).toBe(400);
    expect(
      (
        await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(good),
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await fetch(url.replace('1.0.0', '9.9.9'), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token(alice)}` },
          body: JSON.stringify(good),
        })
      ).status,
    ).toBe(404);
    expect((await post(good, bob)).status).toBe(403);
  });
});

describe('in-image hygiene before a public publish', () => {
  it('finds planted keys and credentials in a saved image, blocks, audits an accepted risk, passes once cleaned', {
    timeout: 240_000,
  }, async () => {
    const a = as(alice);
    const launched = await a('launch', 'marker-lab', 'dirty-box');
    expect(launched.code, launched.stdout + launched.stderr).toBe(0);
    const root = emu.instanceRoot(launched.json.instance_id);
    const plant: Record<string, string> = {
      'home/ubuntu/.ssh/authorized_keys': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI alice@laptop\n',
      'home/ubuntu/.ssh/id_ed25519':
        '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----\n',
      'root/.aws/credentials':
        '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI\n',
      'home/ubuntu/.bash_history': 'export GITHUB_TOKEN=ghp_123\n',
      'home/ubuntu/.git-credentials': 'https://alice:ghp_123@github.com\n',
      'etc/ssh/sshd_config.d/60-cloudimg-settings.conf': 'PasswordAuthentication yes\n',
      'etc/ssh/ssh_host_ed25519_key': '-----BEGIN OPENSSH PRIVATE KEY-----\nhost\n-----END OPENSSH PRIVATE KEY-----\n',
      'var/lib/cloud/instances/i-0aaaaaaaaaaaaaaaa/boot-finished': '1\n',
    };
    for (const [rel, text] of Object.entries(plant)) {
      mkdirSync(join(root, rel, '..'), { recursive: true });
      writeFileSync(join(root, rel), text);
    }
    const saved = await a('save', 'dirty-box', 'dirty-env');
    expect(saved.code, saved.stdout + saved.stderr).toBe(0);
    const dirtyAmi = saved.json.images['us-east-1'];

    const blocked = await a('ami', 'publish', 'dirty-env', '--name', 'alice/dirty', '--public');
    expect(blocked.code, blocked.stdout + blocked.stderr).toBe(9);
    expect(blocked.json.error.code).toBe('hygiene_findings');
    const found = blocked.json.error.findings.map((f: { check: string; file: string }) => `${f.check} ${f.file}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'authorized_keys /home/ubuntu/.ssh/authorized_keys',
        'private_key /home/ubuntu/.ssh/id_ed25519',
        'cloud_credentials /root/.aws/credentials',
        'shell_history /home/ubuntu/.bash_history',
        'stored_password /home/ubuntu/.git-credentials',
        'ssh_password_login /etc/ssh/sshd_config.d/60-cloudimg-settings.conf',
        'ssh_host_key /etc/ssh/ssh_host_ed25519_key',
        'cloud_init_state /var/lib/cloud/instances/i-0aaaaaaaaaaaaaaaa',
      ]),
    );
    expect(blocked.json.error.findings.every((f: { fix: string }) => f.fix.length > 10)).toBe(true);
    // Nothing was shared and nothing registered; the check instance is gone.
    expect(emu.getImage('us-east-1', dirtyAmi)?.public).toBe(false);
    expect((await fetch(`${reg.url}/api/v1/listings/alice/dirty`)).status).toBe(404);
    expect(
      emu.listInstances('us-east-1').filter((i) => i.tags['cws:role'] === 'hygiene-check' && i.state === 'running'),
    ).toEqual([]);
    const human = await cws(['ami', 'publish', 'dirty-env', '--name', 'alice/dirty', '--public'], {
      env: alice.env,
      timeoutMs: 90_000,
    });
    expect(human.stderr).toContain('/root/.aws/credentials: cloud_credentials: delete it');

    // Accepting the risk publishes, and the registry's audit log keeps the reason.
    const accepted = await a(
      'ami',
      'publish',
      'dirty-env',
      '--name',
      'alice/dirty',
      '--public',
      '--accept-risk',
      'training image, keys are dummies',
    );
    expect(accepted.code, accepted.stdout + accepted.stderr).toBe(0);
    expect(accepted.json.hygiene_status).toBe('findings_accepted');
    const auditLog = await fetch(`${reg.url}/api/v1/listings/alice/dirty/audit`, {
      headers: { authorization: `Bearer ${token(alice)}` },
    }).then((r) => r.json());
    const entry = auditLog.items.find((e: { action: string }) => e.action === 'version.hygiene_risk_accepted');
    expect(entry?.details).toMatchObject({ reason: 'training image, keys are dummies' });
    expect(entry?.details.findings).toContain('cloud_credentials: /root/.aws/credentials');
    const dirtyInfo = await a('ami', 'info', 'alice/dirty');
    expect(dirtyInfo.json.listing.versions[0].hygiene).toMatchObject({
      status: 'findings_accepted',
      accepted_reason: 'training image, keys are dummies',
    });

    // Clean an instance of it the way the messages say, save again: the new image passes.
    const again = await a('launch', 'dirty-env', 'clean-box');
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const root2 = emu.instanceRoot(again.json.instance_id);
    for (const rel of Object.keys(plant))
      if (rel !== 'etc/ssh/sshd_config.d/60-cloudimg-settings.conf') rmSync(join(root2, rel), { force: true });
    rmSync(join(root2, 'var/lib/cloud/instances'), { recursive: true, force: true });
    writeFileSync(join(root2, 'etc/ssh/sshd_config.d/60-cloudimg-settings.conf'), 'PasswordAuthentication no\n');
    const cleanSave = await a('save', 'clean-box', 'clean-env');
    expect(cleanSave.code, cleanSave.stdout + cleanSave.stderr).toBe(0);
    const clean = await a('ami', 'publish', 'clean-env', '--name', 'alice/clean', '--public');
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.json).toMatchObject({ hygiene_status: 'passed', hygiene: { findings: [] } });

    // --skip-hygiene is recorded on the version.
    const skipped = await a('ami', 'publish', 'dirty-env', '--name', 'alice/dirty', '--public', '--skip-hygiene');
    expect(skipped.code, skipped.stdout + skipped.stderr).toBe(0);
    const info2 = await a('ami', 'info', 'alice/dirty');
    expect(info2.json.listing.versions[0].hygiene).toMatchObject({ status: 'skipped' });
  });
});
