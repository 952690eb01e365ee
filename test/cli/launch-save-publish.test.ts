import { existsSync, readFileSync } from 'node:fs';
import { type AwsEmulator, DEFAULT_ACCOUNTS, type EmulatorAccount, startEmulator } from '@cws/aws-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsConfig } from '../helpers/aws.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { assertBuilt, cws, type Sandbox, sandbox } from './run-cws.js';
import { addRegistry } from './seed.js';

/**
 * Issue 4 end to end, with the built binary: two AWS accounts in the emulator and a registry that proves accounts
 * and verifies images against the same emulator with its own account.
 */
const { A, B } = DEFAULT_ACCOUNTS;
const REGISTRY: EmulatorAccount = {
  accessKeyId: 'AKIAEMULATORREGISTRY',
  secretAccessKey: 'emulatorSecretForTheRegistry000000000000',
  accountId: '999999999999',
  arn: 'arn:aws:iam::999999999999:user/cws-registry',
};

let emu: AwsEmulator;
let reg: TestRegistry;
let alice: Sandbox;
let bob: Sandbox;

function boxFor(account: EmulatorAccount): Sandbox {
  return sandbox({
    AWS_ACCESS_KEY_ID: account.accessKeyId,
    AWS_SECRET_ACCESS_KEY: account.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: emu.url,
  });
}
const as =
  (box: Sandbox) =>
  (...args: string[]) =>
    cws([...args, '--json'], { env: box.env, timeoutMs: 60_000 });

beforeAll(async () => {
  assertBuilt();
  emu = await startEmulator({ accounts: [A, B, REGISTRY], imageAvailableAfterMs: 200, instanceTransitionMs: 200 });
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
});
afterAll(async () => {
  alice?.cleanup();
  bob?.cleanup();
  await reg?.close();
  await emu?.close();
});

describe('launch, save, publish, find, launch again, revoke', () => {
  it('runs the whole loop between two accounts', { timeout: 180_000 }, async () => {
    const a = as(alice);
    const b = as(bob);

    // A logs in with nothing but AWS credentials; the token is stored, never printed.
    const login = await a('login', '--aws');
    expect(login.code, login.stdout + login.stderr).toBe(0);
    expect(login.json).toMatchObject({ handle: 'alice', aws: { account_id: A.accountId, token_stored: true } });
    expect(login.stdout).not.toMatch(/cws_[A-Za-z0-9]{10,}/);
    const config = JSON.parse(readFileSync(alice.configFile, 'utf8'));
    expect(config.registries[0].token).toEqual(expect.any(String));

    // Nothing is published yet: python-ml comes from the base image with its setup script.
    const dry = await a('launch', 'python-ml', 'my-research', '--dry-run');
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.json).toMatchObject({ dry_run: true, state: 'would-launch', instance_id: null });
    expect(emu.listInstances()).toHaveLength(0);

    const launched = await a('launch', 'python-ml', 'my-research');
    expect(launched.code, launched.stdout + launched.stderr).toBe(0);
    expect(launched.json).toMatchObject({
      state: 'running',
      resolution_method: 'script_fallback',
      template: 'python-ml',
    });
    expect(launched.json.user_data_bytes).toBeGreaterThan(0);
    const inst = emu.listInstances('us-east-1').find((i) => i.instanceId === launched.json.instance_id);
    expect(inst?.tags).toMatchObject({ 'cws:name': 'my-research', 'cws:template': 'python-ml' });
    expect(inst?.tags['cws:ami-source']).toMatch(/^script:/);

    const list = await a('list');
    expect(list.json.instances).toEqual([expect.objectContaining({ name: 'my-research', state: 'running' })]);

    // Save: stop, image, start again, copy, template.
    const saved = await a(
      'save',
      'my-research',
      'my-ml-env',
      '--copy-to-regions',
      'us-west-2',
      '--description',
      'ML with our kernels',
    );
    expect(saved.code, saved.stdout + saved.stderr).toBe(0);
    expect(saved.json).toMatchObject({ status: 'complete', instance_state: 'running', template_name: 'my-ml-env' });
    const east = saved.json.images['us-east-1'];
    const west = saved.json.images['us-west-2'];
    expect(emu.getImage('us-east-1', east)).toMatchObject({
      state: 'available',
      ownerId: A.accountId,
      tags: expect.objectContaining({ 'cws:source-template': 'python-ml', 'cws:creator': 'alice' }),
    });
    expect(emu.getImage('us-west-2', west)?.state).toBe('available');
    expect(emu.listInstances('us-east-1').find((i) => i.instanceId === launched.json.instance_id)?.state).toBe(
      'running',
    );
    expect(existsSync(saved.json.template_file)).toBe(true);
    const info = await a('template', 'info', 'my-ml-env');
    expect(info.code, info.stdout).toBe(0);

    // Publish: public, snapshots shared, proven account, verified by the registry.
    const pub = await a(
      'ami',
      'publish',
      'my-ml-env',
      '--name',
      'alice/ml-env',
      '--public',
      '--share-snapshots',
      '--category',
      'machine-learning',
    );
    expect(pub.code, pub.stdout + pub.stderr).toBe(0);
    expect(pub.json).toMatchObject({
      action: 'published',
      version: '1.0.0',
      template: 'python-ml',
      visibility: 'public',
      account_id: A.accountId,
    });
    expect(
      pub.json.verification.regions.map((r: { verification: { status: string } }) => r.verification.status),
    ).toEqual(['verified', 'verified']);
    expect(emu.getImage('us-east-1', east)?.public).toBe(true);
    expect(pub.json.warnings.filter((w: string) => /snapshot/.test(w))).toEqual([]);
    // The template the image was built from goes with it: others can fetch it (cws template fetch alice/ml-env).
    expect(pub.json.template_file).toMatch(/python-ml\.yml$/);
    const carried = await (await fetch(`${reg.url}/api/v1/listings/alice/ml-env/template`)).json();
    expect(carried).toMatchObject({
      name: 'python-ml',
      version: '1.0.0',
      yaml: expect.stringContaining('name: python-ml'),
    });

    // The same name again adds a version.
    const again = await a(
      'ami',
      'publish',
      'my-ml-env',
      '--name',
      'alice/ml-env',
      '--public',
      '--version',
      '1.1.0',
      '--changelog',
      'same bits',
    );
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.json).toMatchObject({ action: 'version_added', version: '1.1.0' });

    // B finds it, resolves it, launches it from the registry tier and rates it.
    const bl = await b('login', '--aws');
    expect(bl.json).toMatchObject({ handle: 'bob', aws: { account_id: B.accountId } });
    const found = await b('ami', 'browse', '--query', 'ml-env');
    expect(found.json.items.map((i: { ref: string }) => i.ref)).toContain('alice/ml-env');
    const resolved = await b('ami', 'resolve', 'python-ml', '--region', 'us-east-1', '--no-cache');
    expect(resolved.json).toMatchObject({ resolution_method: 'registry', ami_id: east });
    const bLaunch = await b('launch', 'python-ml', 'from-alice');
    expect(bLaunch.code, bLaunch.stdout + bLaunch.stderr).toBe(0);
    expect(bLaunch.json).toMatchObject({
      resolution_method: 'registry',
      ami_id: east,
      counted_by: 'community',
      state: 'running',
    });
    expect(bLaunch.json.ami_source).toMatch(/^registry:community:alice\/ml-env@/);
    const rated = await b('ami', 'rate', 'alice/ml-env', '5', '--review', 'Jupyter came up at once');
    expect(rated.code, rated.stdout).toBe(0);

    // B cannot publish A's image under B's name.
    const stolen = await b(
      'ami',
      'publish',
      east,
      '--region',
      'us-east-1',
      '--name',
      'bob/stolen',
      '--public',
      '--template',
      'python-ml',
    );
    expect(stolen.code).toBe(7);
    expect(stolen.json.error.code).toBe('not_owner');
    expect(stolen.json.error.message).toContain(A.accountId);
    const none = await fetch(`${reg.url}/api/v1/listings/bob/stolen`);
    expect(none.status).toBe(404);

    // A revokes; B's next resolve no longer returns the image.
    for (const v of ['1.0.0', '1.1.0']) {
      const rev = await a('ami', 'revoke', 'alice/ml-env', v, '--reason', 'left credentials in the image', '--yes');
      expect(rev.code, rev.stdout + rev.stderr).toBe(0);
      expect(rev.json).toMatchObject({ status: 'revoked', listing: 'alice/ml-env' });
    }
    const after = await b('ami', 'resolve', 'python-ml', '--region', 'us-east-1', '--no-cache');
    expect(after.code, after.stdout).toBe(0);
    expect(after.json.resolution_method).not.toBe('registry');
    expect(after.json.ami_id).not.toBe(east);

    // Terminate asks; without a terminal it needs --yes.
    const refused = await b('terminate', 'from-alice');
    expect(refused.code).toBe(2);
    expect(refused.json.error.code).toBe('confirmation_required');
    const gone = await b('terminate', 'from-alice', '--yes');
    expect(gone.json).toMatchObject({ state: 'terminated' });
  });

  it('cws web login returns a one-time URL', async () => {
    const r = await as(alice)('web', 'login');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.url).toMatch(/\/login\/[A-Za-z0-9_-]+$/);
    expect(new Date(r.json.expires_at).getTime()).toBeGreaterThan(Date.now());
    const human = await cws(['web', 'login'], { env: alice.env });
    expect(human.stdout).toMatch(
      /works once, until \d\d:\d\d \(5 minutes\); anyone with this link can sign in as you/i,
    );
    const anon = sandbox();
    await addRegistry(anon, 'community', reg.url);
    const no = await as(anon)('web', 'login');
    expect(no.code).toBe(7);
    expect(no.json.error.suggestions.join(' ')).toMatch(/cws login/);
    anon.cleanup();
  });
});

describe('faults during a save', () => {
  it('CreateImage fails: the instance is running again and the user is told', { timeout: 60_000 }, async () => {
    const a = as(alice);
    const l = await a('launch', 'ubuntu-24.04', 'fault-create');
    expect(l.code, l.stdout + l.stderr).toBe(0);
    emu.failNext('CreateImage', {
      code: 'ResourceLimitExceeded',
      message: 'You have reached your AMI quota',
      status: 400,
    });
    const human = await cws(['save', 'fault-create', 'never-made'], { env: alice.env, timeoutMs: 60_000 });
    expect(human.code).toBe(8);
    expect(human.stderr).toMatch(/ResourceLimitExceeded/);
    expect(human.stderr).toMatch(/fault-create \(i-[0-9a-f]+\) is running again/);
    expect(emu.listInstances('us-east-1').find((i) => i.instanceId === l.json.instance_id)?.state).toBe('running');
    const saves = await a('save', '--list');
    expect(saves.json.saves.at(-1)).toMatchObject({ instance: 'fault-create', status: 'failed', images: {} });
  });

  it('a failed copy keeps the first region image and reports it', { timeout: 60_000 }, async () => {
    const a = as(alice);
    const l = await a('launch', 'ubuntu-24.04', 'fault-copy');
    expect(l.code, l.stdout + l.stderr).toBe(0);
    emu.failNext(
      'CopyImage',
      { code: 'ResourceLimitExceeded', message: 'copy quota reached', status: 400 },
      { region: 'eu-west-1' },
    );
    const r = await a('save', 'fault-copy', 'half-saved', '--copy-to-regions', 'us-west-2,eu-west-1');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.status).toBe('partial');
    expect(Object.keys(r.json.images).sort()).toEqual(['us-east-1', 'us-west-2']);
    expect(r.json.copy_errors['eu-west-1']).toMatch(/copy quota reached/);
    expect(emu.getImage('us-east-1', r.json.images['us-east-1'])?.state).toBe('available');
    expect(r.json.warnings.join(' ')).toMatch(/eu-west-1.*kept/);
    const tpl = readFileSync(r.json.template_file, 'utf8');
    expect(tpl).toContain(r.json.images['us-east-1']);
    expect(tpl).not.toContain('eu-west-1:');
  });

  it('an interrupted save is found by its tag and cleaned up', { timeout: 60_000 }, async () => {
    const a = as(alice);
    const l = await a('launch', 'ubuntu-24.04', 'fault-resume');
    expect(l.code).toBe(0);
    const r = await a('save', 'fault-resume', 'later-env', '--no-wait');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.status).toBe('waiting');
    const image = r.json.image_id;
    const clean = await a('save', '--cleanup', r.json.save_id);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.json.deregistered).toEqual([{ region: 'us-east-1', image_id: image }]);
    expect(emu.getImage('us-east-1', image)).toBeUndefined();
  });
});
