import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AwsEmulator, DEFAULT_ACCOUNTS, startEmulator } from '@cws/aws-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsConfig } from '../helpers/aws.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { assertBuilt, cws, type Sandbox, sandbox } from './run-cws.js';
import { addRegistry } from './seed.js';

/** cws ami cleanup: newest N kept per template, never an image a registry lists or an instance uses; asks first. */
const { A } = DEFAULT_ACCOUNTS;
let emu: AwsEmulator;
let reg: TestRegistry;
let box: Sandbox;
const run = (...args: string[]) => cws([...args, '--json'], { env: box.env, timeoutMs: 90_000 });
const images: Record<string, string> = {};

beforeAll(async () => {
  assertBuilt();
  emu = await startEmulator({ imageAvailableAfterMs: 100, instanceTransitionMs: 100 });
  reg = await startRegistry({ config: { aws: awsConfig(emu) } });
  box = sandbox({
    AWS_ACCESS_KEY_ID: A.accessKeyId,
    AWS_SECRET_ACCESS_KEY: A.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: emu.url,
  });
  await addRegistry(box, 'community', reg.url);
  for (const n of [1, 2, 3, 4, 5]) {
    images[`lab${n}`] = emu.addImage({
      region: 'us-east-1',
      ownerAccount: A.accountId,
      name: `cws-lab-build-2026110${n}`,
      creationDate: `2026-11-0${n}T10:00:00.000Z`,
      tags:
        n % 2
          ? { 'cws:build': `build-${n}`, 'cws:template': 'lab' }
          : { 'cws:save-id': `save-${n}`, 'cws:template': 'lab', 'cws:source-template': 'python-ml' },
    });
  }
  // The oldest build was disabled (DisableImage): DescribeImages shows it only with IncludeDisabled.
  images.lab0 = emu.addImage({
    region: 'us-east-1',
    ownerAccount: A.accountId,
    name: 'cws-lab-build-20261030',
    creationDate: '2026-10-30T10:00:00.000Z',
    state: 'disabled',
    tags: { 'cws:build': 'build-0', 'cws:template': 'lab' },
  });
  images.other = emu.addImage({
    region: 'us-east-1',
    ownerAccount: A.accountId,
    name: 'cws-other',
    tags: { 'cws:build': 'b', 'cws:template': 'other' },
  });
  images.handmade = emu.addImage({
    region: 'us-east-1',
    ownerAccount: A.accountId,
    name: 'not-from-cws',
    tags: { 'cws:template': 'lab' },
  });
  // lab3 is published on the registry; lab2 runs an instance.
  expect((await run('login', '--aws')).code).toBe(0);
  const pub = await run(
    'ami',
    'publish',
    images.lab3 as string,
    '--region',
    'us-east-1',
    '--name',
    'alice/lab',
    '--template',
    'lab',
    '--share-with',
    '222222222222',
  );
  expect(pub.code, pub.stdout + pub.stderr).toBe(0);
  mkdirSync(box.templatesDir, { recursive: true });
  writeFileSync(
    join(box.templatesDir, 'lab-run.yml'),
    `name: lab-run\nami_config:\n  ami_mappings:\n    us-east-1: { x86_64: ${images.lab2} }\n`,
  );
  const launched = await run('launch', 'lab-run', 'uses-lab2');
  expect(launched.code, launched.stdout + launched.stderr).toBe(0);
}, 120_000);
afterAll(async () => {
  box?.cleanup();
  await reg?.close();
  await emu?.close();
});

describe('cws ami cleanup', () => {
  it('keeps the newest N, never a listed or used image, asks first, then deregisters with snapshots', async () => {
    const plan = await run('ami', 'cleanup', '--template', 'lab', '--keep-latest', '2', '--dry-run');
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    const byId = Object.fromEntries(
      plan.json.images.map((i: { image_id: string; action: string; reason: string }) => [i.image_id, i]),
    );
    expect(byId[images.lab5 as string].action).toBe('keep');
    expect(byId[images.lab4 as string].action).toBe('keep');
    expect(byId[images.lab3 as string]).toMatchObject({
      action: 'protected',
      reason: expect.stringContaining('alice/lab@1.0.0'),
    });
    expect(byId[images.lab2 as string]).toMatchObject({
      action: 'protected',
      reason: expect.stringContaining('runs from it'),
    });
    expect(byId[images.lab1 as string]).toMatchObject({ action: 'delete', made_by: 'build', state: 'available' });
    expect(byId[images.lab0 as string]).toMatchObject({ action: 'delete', made_by: 'build', state: 'disabled' });
    expect(byId[images.handmade as string]).toBeUndefined();
    expect(byId[images.other as string]).toBeUndefined();
    expect(plan.json.deregistered).toEqual([]);
    expect(emu.getImage('us-east-1', images.lab1 as string)).toBeDefined();

    // No terminal and no --yes: refused, nothing deleted.
    const refused = await run('ami', 'cleanup', '--template', 'lab', '--keep-latest', '2');
    expect(refused.code).toBe(2);
    expect(refused.json.error.code).toBe('confirmation_required');
    expect(emu.getImage('us-east-1', images.lab1 as string)).toBeDefined();

    const snap = emu.getImage('us-east-1', images.lab1 as string)?.blockDeviceMappings[0]?.snapshotId as string;
    const snap0 = emu.getImage('us-east-1', images.lab0 as string)?.blockDeviceMappings[0]?.snapshotId as string;
    expect(snap0).toMatch(/^snap-/);
    const done = await run('ami', 'cleanup', '--template', 'lab', '--keep-latest', '2', '--yes');
    expect(done.code, done.stdout + done.stderr).toBe(0);
    expect(done.json.deregistered).toEqual([
      { image_id: images.lab1, snapshot_ids: [snap] },
      { image_id: images.lab0, snapshot_ids: [snap0] },
    ]);
    expect(emu.getImage('us-east-1', images.lab1 as string)).toBeUndefined();
    expect(emu.getSnapshot('us-east-1', snap)).toBeUndefined();
    expect(emu.getImage('us-east-1', images.lab0 as string)).toBeUndefined();
    expect(emu.getSnapshot('us-east-1', snap0)).toBeUndefined();
    for (const k of ['lab2', 'lab3', 'lab4', 'lab5', 'other', 'handmade'])
      expect(emu.getImage('us-east-1', images[k] as string), k).toBeDefined();

    // Without --template every template is looked at; a registry that cannot be asked protects everything.
    const all = await run('ami', 'cleanup', '--keep-latest', '0', '--dry-run');
    expect(all.json.images.find((i: { image_id: string }) => i.image_id === images.other).action).toBe('delete');
    await reg.close();
    const offline = await run('ami', 'cleanup', '--keep-latest', '0', '--yes');
    expect(offline.code).toBe(0);
    expect(offline.json.deregistered).toEqual([]);
    expect(offline.json.warnings.join(' ')).toContain('could not ask community');
    expect(emu.getImage('us-east-1', images.other as string)).toBeDefined();
  });
});
