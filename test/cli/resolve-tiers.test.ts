import {
  type AwsEmulator,
  CANONICAL_ACCOUNT,
  canonicalImageId,
  DEFAULT_ACCOUNTS,
  startEmulator,
} from '@cws/aws-emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { assertBuilt, cws, type Sandbox, sandbox } from './run-cws.js';
import { addRegistry, importIndex, writeTemplate } from './seed.js';

/**
 * Each resolution tier winning in turn, end to end: the built binary, a real cws-registry, and the AWS emulator
 * (user = account A; a publisher = account B).
 */
const A = DEFAULT_ACCOUNTS.A;
const B = DEFAULT_ACCOUNTS.B;
const PINNED = 'ami-0aaaaaaaaaaaaaaa1';
const REGISTRY_AMI = 'ami-0bbbbbbbbbbbbbbb2';

let emu: AwsEmulator;
let reg: TestRegistry;
let box: Sandbox;

function template(name: string, extra = '') {
  return `name: ${name}
description: A lab environment for tests
architectures: [x86_64, arm64]
regions: [us-east-1, us-west-2, eu-west-1]
ami_config:
  ami_mappings:
    eu-central-1:
      x86_64: ${PINNED}
  ami_search:
    owner: "${B.accountId}"
    name_pattern: "${name}-image-*"
${extra}setup_script: |
  #!/bin/bash
  echo "setting up ${name}"
estimated_setup_time: 8m
`;
}

async function resolve(name: string, ...flags: string[]) {
  return cws(['ami', 'resolve', name, '--json', ...flags], { env: box.env });
}

beforeAll(async () => {
  assertBuilt();
  [emu, reg] = await Promise.all([startEmulator({ imageAvailableAfterMs: 200 }), startRegistry()]);
  await importIndex(reg, {
    'lab-registry': {
      'lab-env': { version: '1.0.0', creator: 'alice', description: 'lab', regions: { 'us-east-1': REGISTRY_AMI } },
    },
  });
});
afterAll(async () => {
  await Promise.all([emu?.close(), reg?.close()]);
});

async function freshBox() {
  box = sandbox({
    AWS_ENDPOINT_URL: emu.url,
    AWS_ACCESS_KEY_ID: A.accessKeyId,
    AWS_SECRET_ACCESS_KEY: A.secretAccessKey,
    AWS_REGION: 'us-east-1',
  });
  await addRegistry(box, 'community', reg.url);
}
afterEach(() => box?.cleanup());

describe('cws ami resolve: each tier wins in turn', () => {
  it('tier 1: the template mapping wins, before any AWS call (the registries are only asked whether it was revoked)', async () => {
    await freshBox();
    writeTemplate(box, 'lab-registry', template('lab-registry'));
    const before = emu.requests.length;
    const r = await resolve('lab-registry', '--region', 'eu-central-1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({
      ami_id: PINNED,
      region: 'eu-central-1',
      architecture: 'x86_64',
      resolution_method: 'direct_mapping',
      source: { type: 'template' },
      warning: null,
    });
    expect(r.json.fallback_chain).toEqual([
      expect.objectContaining({ tier: 'direct_mapping', outcome: 'selected' }),
      expect.objectContaining({ tier: 'status_check', outcome: 'passed' }),
    ]);
    expect(r.json.status_check).toMatchObject({ ami_id: PINNED, status: 'unlisted' });
    expect(emu.requests.length).toBe(before);
  });

  it('tier 2: the registry answers when the template has no mapping for the region', async () => {
    await freshBox();
    writeTemplate(box, 'lab-registry', template('lab-registry'));
    const r = await resolve('lab-registry', '--region', 'us-east-1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({
      ami_id: REGISTRY_AMI,
      resolution_method: 'registry',
      source: { type: 'registry', name: 'community', listing: 'alice/lab-env', version: '1.0.0' },
    });
    expect(r.json.fallback_chain.map((e: { tier: string; outcome: string }) => [e.tier, e.outcome])).toEqual([
      ['direct_mapping', 'not_found'],
      ['registry', 'selected'],
      ['status_check', 'passed'],
    ]);
    expect(r.json.estimated_launch_seconds).toBeLessThanOrEqual(120);
  });

  it('tier 3: an owner-pinned DescribeImages finds the newest image, ignoring look-alikes from other owners', async () => {
    await freshBox();
    writeTemplate(box, 'lab-search', template('lab-search'));
    const older = emu.addImage({
      region: 'us-east-1',
      ownerAccount: B.accountId,
      name: 'lab-search-image-1',
      public: true,
      creationDate: '2026-01-01T00:00:00.000Z',
    });
    const newer = emu.addImage({
      region: 'us-east-1',
      ownerAccount: B.accountId,
      name: 'lab-search-image-2',
      public: true,
      creationDate: '2026-06-01T00:00:00.000Z',
    });
    // Newest of all, same name pattern, but another owner: must never win.
    emu.addImage({
      region: 'us-east-1',
      ownerAccount: A.accountId,
      name: 'lab-search-image-9',
      creationDate: '2026-09-01T00:00:00.000Z',
    });
    const r = await resolve('lab-search');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.ami_id).toBe(newer);
    expect(r.json.ami_id).not.toBe(older);
    expect(r.json.resolution_method).toBe('dynamic_search');
    expect(r.json.source).toMatchObject({ type: 'ec2', owner: B.accountId, image_name: 'lab-search-image-2' });
    const tiers = r.json.fallback_chain.map((e: { tier: string; outcome: string }) => [e.tier, e.outcome]);
    expect(tiers).toEqual([
      ['direct_mapping', 'not_found'],
      ['registry', 'not_found'],
      ['dynamic_search', 'selected'],
      ['status_check', 'passed'],
    ]);
  });

  it('tier 4: an image in another region is reported but not copied without permission', async () => {
    await freshBox();
    writeTemplate(box, 'lab-xregion', template('lab-xregion'));
    const west = emu.addImage({
      region: 'us-west-2',
      ownerAccount: B.accountId,
      name: 'lab-xregion-image-1',
      public: true,
    });
    const r = await resolve('lab-xregion');
    expect(r.code, r.stderr).toBe(0);
    const cross = r.json.fallback_chain.find((e: { tier: string }) => e.tier === 'cross_region');
    expect(cross.outcome).toBe('found_not_copied');
    expect(cross.detail).toContain(west);
    expect(cross.detail).toMatch(/--allow-copy/);
    expect(cross.detail).toMatch(/min/);
    expect(cross.detail).toMatch(/\$\d+\.\d\d/);
    // ami_preferred: provisioning from the script follows.
    expect(r.json.resolution_method).toBe('script_fallback');
    expect(emu.requests.some((q) => q.action === 'CopyImage')).toBe(false);
  });

  it('tier 4: with --allow-copy the image is copied into the region, with time and cost in the chain', async () => {
    await freshBox();
    writeTemplate(box, 'lab-copy', template('lab-copy'));
    const west = emu.addImage({
      region: 'us-west-2',
      ownerAccount: B.accountId,
      name: 'lab-copy-image-1',
      public: true,
    });
    const r = await resolve('lab-copy', '--allow-copy');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.resolution_method).toBe('cross_region');
    expect(r.json.ami_id).not.toBe(west);
    expect(r.json.copy).toMatchObject({ source_region: 'us-west-2', source_ami_id: west, started: true });
    expect(r.json.copy.estimated_seconds).toBeGreaterThan(60);
    expect(r.json.copy.estimated_cost_usd).toBeGreaterThan(0);
    expect(r.json.warning).toMatch(/in progress/);
    const copied = emu.getImage('us-east-1', r.json.ami_id);
    expect(copied?.ownerId).toBe(A.accountId);

    // Next time, the earlier copy is reused instead of paying for another.
    const again = await resolve('lab-copy', '--allow-copy');
    expect(again.json.ami_id).toBe(r.json.ami_id);
    expect(again.json.copy.started).toBe(false);
    expect(emu.requests.filter((q) => q.action === 'CopyImage')).toHaveLength(1);
  });

  it('tier 4: a copy that fails (snapshot not shared) is a clear error entry, and resolution goes on', async () => {
    await freshBox();
    writeTemplate(box, 'lab-noshare', template('lab-noshare'));
    emu.addImage({
      region: 'us-west-2',
      ownerAccount: B.accountId,
      name: 'lab-noshare-image-1',
      launchPermissions: [A.accountId],
      snapshotPublic: false,
    });
    const r = await resolve('lab-noshare', '--allow-copy');
    expect(r.code, r.stderr).toBe(0);
    const cross = r.json.fallback_chain.find((e: { tier: string }) => e.tier === 'cross_region');
    expect(cross.outcome).toBe('error');
    expect(cross.detail).toMatch(/snapshot/i);
    expect(r.json.resolution_method).toBe('script_fallback');
    expect(r.json.warning).toMatch(/copy of ami-/);
  });

  it("tier 5: script fallback uses Canonical's SSM parameter and the setup script as user data", async () => {
    await freshBox();
    writeTemplate(box, 'lab-script', template('lab-script'));
    const r = await resolve('lab-script', '--region', 'us-east-2', '--architecture', 'arm64');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({
      ami_id: canonicalImageId('us-east-2', 'arm64', '20261101'),
      region: 'us-east-2',
      architecture: 'arm64',
      resolution_method: 'script_fallback',
      source: {
        type: 'ssm',
        name: '/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id',
      },
    });
    expect(r.json.user_data.present).toBe(true);
    expect(Buffer.from(r.json.user_data.base64, 'base64').toString()).toContain('setting up lab-script');
    expect(r.json.estimated_launch_seconds).toBe(60 + 8 * 60);
    expect(r.json.warning).toMatch(/setup script/);
  });

  it('tier 5: when SSM fails, the base image comes from an owner-pinned DescribeImages', async () => {
    await freshBox();
    writeTemplate(box, 'lab-script2', template('lab-script2'));
    emu.failNext('GetParameter', { code: 'AccessDeniedException', message: 'not allowed', status: 400 }, { times: 4 });
    const r = await resolve('lab-script2', '--strategy', 'script_only');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.resolution_method).toBe('script_fallback');
    expect(r.json.ami_id).toBe(canonicalImageId('us-east-1', 'amd64', '20261101'));
    expect(r.json.source).toMatchObject({ type: 'ec2', owner: CANONICAL_ACCOUNT });
    expect(r.json.fallback_chain.slice(0, 4).every((e: { outcome: string }) => e.outcome === 'skipped')).toBe(true);
  });

  it('ami_required with no image fails with exit 5 and says what to do', async () => {
    await freshBox();
    writeTemplate(box, 'lab-required', template('lab-required'));
    emu.addImage({ region: 'eu-west-1', ownerAccount: B.accountId, name: 'lab-required-image-1', public: true });
    const r = await resolve('lab-required', '--strategy', 'ami_required');
    expect(r.code).toBe(5);
    expect(r.json.error.code).toBe('no_ami');
    expect(r.json.error.message).toMatch(/ami_required/);
    expect(r.json.error.suggestions.join(' ')).toMatch(/--allow-copy/);
    expect(r.json.error.fallback_chain.at(-1)).toMatchObject({ tier: 'script_fallback', outcome: 'skipped' });

    const human = await cws(['ami', 'resolve', 'lab-required', '--strategy', 'ami_required'], { env: box.env });
    expect(human.code).toBe(5);
    expect(human.stderr).toMatch(/no AMI for lab-required/);
    expect(human.stderr).toMatch(/Try this/);
    expect(human.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it("the built-in ubuntu-24.04 template finds Canonical's newest image by owner-pinned search", async () => {
    await freshBox();
    const r = await resolve('ubuntu-24.04', '--region', 'eu-west-1', '--architecture', 'arm64');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({
      ami_id: canonicalImageId('eu-west-1', 'arm64', '20261101'),
      resolution_method: 'dynamic_search',
      source: {
        owner: CANONICAL_ACCOUNT,
        image_name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20261101',
      },
    });
    const search = emu.requests.filter((q) => q.action === 'DescribeImages').at(-1);
    expect(search).toMatchObject({ region: 'eu-west-1', accountId: A.accountId });
  });

  it('--explain prints the chain as a table', async () => {
    await freshBox();
    writeTemplate(box, 'lab-registry', template('lab-registry'));
    const r = await cws(['ami', 'resolve', 'lab-registry', '--explain'], { env: box.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/TIER\s+OUTCOME\s+MS\s+DETAIL/);
    expect(r.stdout).toMatch(/direct_mapping\s+not_found/);
    expect(r.stdout).toMatch(/registry \(community\)\s+selected/);
    expect(r.stdout).toContain(REGISTRY_AMI);
  });
});
