import { type AwsEmulator, DEFAULT_ACCOUNTS, type EmulatorAccount, startEmulator } from '@cws/aws-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsConfig } from '../helpers/aws.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { type FakeRegistry, mirrorRegistry } from './fake-registries.js';
import { assertBuilt, cws, cwsOnTerminal, type Sandbox } from './run-cws.js';
import { addRegistry, awsSandbox, cwsJson, importIndex, writeTemplate } from './seed.js';

/**
 * Issue 11's loop on the built binary, two accounts in the emulator and a registry that verifies images in it:
 * A saves and publishes; B resolves, launches, saves a child from that instance and publishes it; A revokes with
 * --deprecate. Then every tier refuses A's image, for B and for A, EC2 shows it deprecated in every region, a second
 * listing cannot claim it, and B's child is flagged "built on a revoked image".
 */
const { A, B } = DEFAULT_ACCOUNTS;
const REGISTRY: EmulatorAccount = {
  accessKeyId: 'AKIAEMULATORREGISTRY',
  secretAccessKey: 'emulatorSecretForTheRegistry000000000000',
  accountId: '999999999999',
  arn: 'arn:aws:iam::999999999999:user/cws-registry',
};
const REASON = 'credentials left in the image';

let emu: AwsEmulator;
let reg: TestRegistry;
let mirror: FakeRegistry & { down: boolean };
let alice: Sandbox;
let bob: Sandbox;

function lab(name: string, aws: { mapping?: string; owner?: string; block?: boolean }) {
  return `name: ${name}
architectures: [x86_64]
ami_config:
  strategy: ami_preferred
  fallback_strategy: fail
${aws.block ? '  policy:\n    revoked_lineage: block\n' : ''}${aws.mapping ? `  ami_mappings:\n    us-east-1:\n      x86_64: ${aws.mapping}\n` : ''}${aws.owner ? `  ami_search:\n    owner: "${aws.owner}"\n    name_pattern: "cws-python-ml-*"\n` : ''}setup_script: |
  #!/bin/bash
  echo lab
`;
}

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
  mirror = await mirrorRegistry(reg.url);
  alice = awsSandbox(emu.url, A);
  bob = awsSandbox(emu.url, B);
  await addRegistry(alice, 'community', reg.url);
  // B asks a mirror of the same registry first: its answers are cached, and used when it goes down.
  await addRegistry(bob, 'mirror', mirror.url, '--priority', '10');
  await addRegistry(bob, 'community', reg.url);
}, 180_000);
afterAll(async () => {
  alice?.cleanup();
  bob?.cleanup();
  await mirror?.close();
  await reg?.close();
  await emu?.close();
});

describe('revocation end to end, two accounts', () => {
  it('reaches every tier, EC2 in every region and the images built on it', { timeout: 400_000 }, async () => {
    const a = cwsJson(alice);
    const b = cwsJson(bob);
    const ok = (r: { code: number | null; stdout: string; stderr: string }) =>
      expect(r.code, r.stdout + r.stderr).toBe(0);

    // A: launch from the base image, save (copied to a second region), publish.
    ok(await a('login', '--aws'));
    ok(await a('launch', 'python-ml', 'a-lab'));
    const saved = await a('save', 'a-lab', 'a-env', '--copy-to-regions', 'us-west-2');
    ok(saved);
    const east: string = saved.json.images['us-east-1'];
    const west: string = saved.json.images['us-west-2'];
    ok(await a('ami', 'publish', 'a-env', '--name', 'alice/ml-env', '--public', '--share-snapshots'));

    // B: resolve (through the mirror, cached), launch, save a child from that instance and publish it.
    ok(await b('login', '--aws'));
    const resolved = await b('ami', 'resolve', 'python-ml');
    expect(resolved.json).toMatchObject({ resolution_method: 'registry', ami_id: east, source: { name: 'mirror' } });
    const launched = await b('launch', 'python-ml', 'b-lab');
    ok(launched);
    expect(launched.json).toMatchObject({ ami_id: east, ami_source: 'registry:mirror:alice/ml-env@1.0.0' });
    const child = await b('save', 'b-lab', 'b-env');
    ok(child);
    const childAmi: string = child.json.images['us-east-1'];
    expect(emu.getImage('us-east-1', childAmi)?.tags).toMatchObject({
      'cws:parent-ami': east,
      'cws:parent-listing': 'alice/ml-env@1.0.0',
    });
    const childPub = await b('ami', 'publish', 'b-env', '--name', 'bob/ml-plus', '--template', 'ml-plus', '--public');
    ok(childPub);
    expect(childPub.json).toMatchObject({ parent_ami: east, parent_listing: 'alice/ml-env@1.0.0' });
    const before = await (await fetch(`${reg.url}/api/v1/listings/bob/ml-plus`)).json();
    expect(before.versions[0].lineage).toMatchObject({
      parent_ami: east,
      parent: { listing: 'alice/ml-env', version: '1.0.0', status: 'active' },
      revoked_ancestor: null,
    });

    // A revokes: without a terminal it needs --yes; with --deprecate EC2 deprecates the image in every region.
    const unasked = await a('ami', 'revoke', 'alice/ml-env', '1.0.0', '--reason', REASON, '--deprecate');
    expect(unasked.code).toBe(2);
    expect(unasked.json.error.code).toBe('confirmation_required');
    expect(emu.getImage('us-east-1', east)?.deprecationTime).toBeUndefined();
    const revoked = await a('ami', 'revoke', 'alice/ml-env', '1.0.0', '--reason', REASON, '--deprecate', '--yes');
    ok(revoked);
    expect(revoked.json).toMatchObject({ status: 'revoked', registry_change: 'changed', ec2_steps: ['deprecate'] });
    expect(
      revoked.json.ec2.map((r: { region: string; steps: { ok: boolean }[] }) => [r.region, r.steps.map((s) => s.ok)]),
    ).toEqual([
      ['us-east-1', [true]],
      ['us-west-2', [true]],
    ]);
    for (const [region, ami] of [
      ['us-east-1', east],
      ['us-west-2', west],
    ] as const) {
      const at = emu.getImage(region, ami)?.deprecationTime;
      expect(at, `${region} ${ami}`).toBeDefined();
      expect(Date.parse(at as string)).toBeLessThanOrEqual(Date.now() + 61_000);
    }

    // B, template mapping: refused with the reason (exit 10 under ami_required).
    writeTemplate(bob, 'pinned-a', lab('pinned-a', { mapping: east }));
    const pinned = await b('ami', 'resolve', 'pinned-a');
    expect(pinned.code, pinned.stdout).toBe(10);
    expect(pinned.json.error).toMatchObject({ code: 'ami_revoked', message: expect.stringContaining(REASON) });

    // B, cache: the mirror is down, its cached answer (A's image) is refused because community says revoked; the
    // EC2 search then finds B's own child, which resolves with the "built on a revoked image" warning...
    mirror.down = true;
    const cached = await b('ami', 'resolve', 'python-ml');
    ok(cached);
    expect(cached.json.ami_id).toBe(childAmi);
    expect(cached.json.fallback_chain).toContainEqual(
      expect.objectContaining({
        tier: 'registry',
        name: 'mirror',
        outcome: 'rejected',
        detail: expect.stringMatching(/stale cached answer.*\(revoked\)/),
      }),
    );
    expect(cached.json.warnings.join('\n')).toMatch(new RegExp(`refused ${east} revoked in community`));
    expect(cached.json.warnings.join('\n')).toMatch(new RegExp(`${childAmi} is built on a revoked image: ${REASON}`));
    // ...and a policy that blocks such images refuses it too.
    const strict = await b('ami', 'resolve', 'python-ml', '--revoked-lineage', 'block', '--strategy', 'ami_required');
    expect(strict.code, strict.stdout).toBe(10);
    expect(strict.json.error.message).toMatch(/built on a revoked image/);
    writeTemplate(bob, 'child-strict', lab('child-strict', { owner: B.accountId, block: true }));
    const byTemplate = await b('ami', 'resolve', 'child-strict');
    expect(byTemplate.code, byTemplate.stdout).toBe(10);
    expect(byTemplate.json.error.message).toContain(`${childAmi} is built on a revoked image`);
    mirror.down = false;

    // B, EC2 search of A's account: the status check refuses A's image, or EC2 already hides it (deprecated).
    writeTemplate(bob, 'search-a', lab('search-a', { owner: A.accountId }));
    const searched = await b('ami', 'resolve', 'search-a');
    if (searched.code === 10) {
      expect(searched.json.error.message).toContain(REASON);
      expect(searched.json.error.fallback_chain).toContainEqual(
        expect.objectContaining({ tier: 'dynamic_search', outcome: 'rejected' }),
      );
    } else {
      expect(searched.code, searched.stdout).toBe(5);
      expect(Date.parse(emu.getImage('us-east-1', east)?.deprecationTime as string)).toBeLessThanOrEqual(Date.now());
    }

    // A's own resolve: the registry has nothing; A's own EC2 search still sees the image (owners see deprecated
    // images) and the status check refuses it.
    const own = await a('ami', 'resolve', 'python-ml', '--strategy', 'ami_required');
    expect(own.code, own.stdout).toBe(10);
    expect(own.json.error.fallback_chain).toContainEqual(
      expect.objectContaining({ tier: 'dynamic_search', outcome: 'rejected' }),
    );
    expect([east, west]).not.toContain(own.json.ami_id);

    // A second listing cannot claim A's image.
    const again = await a(
      'ami',
      'publish',
      east,
      '--region',
      'us-east-1',
      '--name',
      'alice/again',
      '--template',
      'python-ml',
    );
    expect(again.code).not.toBe(0);
    expect(again.json.error.message).toMatch(/alice\/ml-env/);
    expect((await fetch(`${reg.url}/api/v1/listings/alice/again`)).status).toBe(404);

    // B's child is flagged in the API and on its page.
    const after = await (await fetch(`${reg.url}/api/v1/listings/bob/ml-plus`)).json();
    expect(after.versions[0].lineage.revoked_ancestor).toMatchObject({
      listing: 'alice/ml-env',
      version: '1.0.0',
      ami_id: east,
      message: expect.stringContaining(`built on a revoked image: ${REASON} (${east}, alice/ml-env@1.0.0)`),
    });
    const page = await (await fetch(`${reg.url}/l/bob/ml-plus`)).text();
    expect(page).toContain(`built on a revoked image: ${REASON}`);
    const info = await cws(['ami', 'info', 'bob/ml-plus'], { env: bob.env, timeoutMs: 60_000 });
    expect(info.stderr).toContain(`bob/ml-plus@1.0.0 is built on a revoked image: ${REASON}`);
    const status = await b('ami', 'status', childAmi);
    expect(status.json.items[0]).toMatchObject({ status: 'active', revoked_ancestor: { listing: 'alice/ml-env' } });

    // Revoking again only runs the EC2 steps asked for; B retires the child with DisableImage.
    const unshared = await a('ami', 'revoke', 'alice/ml-env', '1.0.0', '--reason', REASON, '--unshare', '--yes');
    ok(unshared);
    expect(unshared.json).toMatchObject({ registry_change: 'unchanged', ec2_steps: ['unshare'] });
    expect(unshared.json.ec2[0].steps[0].detail).toMatch(/launch permissions removed: everyone/);
    expect(emu.getImage('us-east-1', east)?.public).toBe(false);
    const disabled = await b(
      'ami',
      'revoke',
      'bob/ml-plus',
      '1.0.0',
      '--reason',
      'built on a revoked image',
      '--disable',
      '--yes',
    );
    ok(disabled);
    expect(disabled.json.ec2).toEqual([
      expect.objectContaining({ ami_id: childAmi, steps: [expect.objectContaining({ step: 'disable', ok: true })] }),
    ]);
    expect(emu.getImage('us-east-1', childAmi)).toMatchObject({ state: 'disabled', public: false });
    // An EC2 step that fails in one region is reported for that region, with exit 8; the others are done.
    emu.failNext(
      'EnableImageDeprecation',
      { code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' },
      { region: 'us-west-2' },
    );
    const partial = await a('ami', 'revoke', 'alice/ml-env', '1.0.0', '--reason', REASON, '--deprecate', '--yes');
    expect(partial.code, partial.stdout).toBe(8);
    expect(partial.json.error).toMatchObject({
      code: 'ec2_partial',
      message: expect.stringMatching(/us-west-2 .*deprecate failed/),
    });
    expect(
      partial.json.error.result.ec2.map((r: { region: string; steps: { ok: boolean; aws_code: string | null }[] }) => [
        r.region,
        r.steps[0]?.ok,
        r.steps[0]?.aws_code,
      ]),
    ).toEqual([
      ['us-east-1', true, null],
      ['us-west-2', false, 'UnauthorizedOperation'],
    ]);
  });

  it('on a terminal, revoke shows what will happen, offers the EC2 steps and does nothing unless confirmed', {
    timeout: 180_000,
  }, async () => {
    expect((await cwsJson(alice)('login', '--aws')).code).toBe(0);
    const ami = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'term-lab-1', public: true });
    await importIndex(reg, {
      'term-lab': { 'term-env': { version: '1.0.0', creator: 'alice', regions: { 'us-east-1': ami } } },
    });
    // Deprecating needs no confirmation; --ec2 deprecates the image in EC2 too, and again only re-runs that step.
    for (const change of ['changed', 'unchanged']) {
      const dep = await cwsJson(alice)('ami', 'deprecate', 'alice/term-env', '1.0.0', '--reason', 'old', '--ec2');
      expect(dep.code, dep.stdout).toBe(0);
      expect(dep.json).toMatchObject({ status: 'deprecated', registry_change: change, ec2_steps: ['deprecate'] });
      expect(dep.json.ec2[0].steps[0]).toMatchObject({ ok: true, detail: expect.stringMatching(/^deprecated from /) });
    }
    expect(emu.getImage('us-east-1', ami)?.deprecationTime).toBeDefined();
    const args = ['ami', 'revoke', 'alice/term-env', '1.0.0', '--reason', 'a test'];
    const offers = (unshare: string) => [
      { prompt: /remove their launch permissions.*\[y\/N\]/s, reply: unshare },
      { prompt: /deprecate them.*\[y\/N\]/s, reply: 'n' },
      { prompt: /disable them.*\[y\/N\]/s, reply: 'n' },
    ];
    const declined = await cwsOnTerminal(args, {
      env: alice.env,
      answers: [...offers('y'), { prompt: /Revoke alice\/term-env@1.0.0\? \[y\/N\]/, reply: 'n' }],
    });
    expect(declined.code, declined.output).toBe(2);
    expect(declined.output).toMatch(/This is final/);
    expect(declined.output).toContain(`Images: ${ami} (us-east-1)`);
    expect(declined.output).toMatch(/In EC2, in your own account: remove their launch permissions/);
    expect(declined.output).toMatch(/nothing changed/);
    const still = await (await fetch(`${reg.url}/api/v1/listings/alice/term-env`)).json();
    expect(still.versions[0].status).toBe('deprecated');
    expect(emu.getImage('us-east-1', ami)?.public).toBe(true);

    const confirmed = await cwsOnTerminal(args, {
      env: alice.env,
      answers: [...offers('y'), { prompt: /Revoke alice\/term-env@1.0.0\? \[y\/N\]/, reply: 'y' }],
    });
    expect(confirmed.code, confirmed.output).toBe(0);
    expect(confirmed.output).toMatch(
      new RegExp(`us-east-1 ${ami}: unshare done \\(launch permissions removed: everyone\\)`),
    );
    expect(emu.getImage('us-east-1', ami)?.public).toBe(false);
    const gone = await (await fetch(`${reg.url}/api/v1/listings/alice/term-env`)).json();
    expect(gone.versions[0].status).toBe('revoked');
  });
});
