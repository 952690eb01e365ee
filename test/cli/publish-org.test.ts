import { readFileSync } from 'node:fs';
import { type AwsEmulator, DEFAULT_ACCOUNTS, type EmulatorAccount, startEmulator } from '@cws/aws-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../helpers/api.js';
import { awsConfig } from '../helpers/aws.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { assertBuilt, cws, type Sandbox, sandbox } from './run-cws.js';
import { addRegistry } from './seed.js';

/**
 * cws ami publish --org through the built binary, against the AWS emulator and a registry that proves accounts and
 * verifies images with its own account: organisation lab, alice its publisher, bob a plain member, carol outside.
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
const boxes: Record<string, Sandbox> = {};
const as =
  (who: string) =>
  (...args: string[]) =>
    cws([...args, '--json'], { env: boxes[who]!.env, timeoutMs: 60_000 });
const tokenOf = (who: string): string => JSON.parse(readFileSync(boxes[who]!.configFile, 'utf8')).registries[0].token;
const getListing = (ref: string, token?: string) =>
  fetch(`${reg.url}/api/v1/listings/${ref}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

async function boxFor(who: string, account?: EmulatorAccount, token?: string) {
  const box = sandbox(
    account
      ? {
          AWS_ACCESS_KEY_ID: account.accessKeyId,
          AWS_SECRET_ACCESS_KEY: account.secretAccessKey,
          AWS_REGION: 'us-east-1',
          AWS_ENDPOINT_URL: emu.url,
        }
      : {},
  );
  boxes[who] = box;
  await addRegistry(box, 'community', reg.url);
  const login = token ? await as(who)('login', '--token', token) : await as(who)('login', '--aws');
  expect(login.code, login.stdout + login.stderr).toBe(0);
}

function imageOf(account: EmulatorAccount, name: string): string {
  return emu.addImage({ region: 'us-east-1', ownerAccount: account.accountId, name, tags: {} });
}

beforeAll(async () => {
  assertBuilt();
  emu = await startEmulator({ accounts: [A, B, REGISTRY], imageAvailableAfterMs: 100, instanceTransitionMs: 100 });
  reg = await startRegistry({
    config: {
      aws: awsConfig(emu, {
        verify: true,
        credentials: { accessKeyId: REGISTRY.accessKeyId, secretAccessKey: REGISTRY.secretAccessKey },
      }),
    },
  });
  await boxFor('admin', undefined, reg.adminToken);
  await boxFor('alice', A);
  await boxFor('bob', B);
  await boxFor('carol', undefined, await createUser(reg, 'carol'));
  await createUser(reg, 'dean');
  const created = await as('admin')('org', 'create', 'lab', '--display-name', 'The Lab', '--admin', 'dean');
  expect(created.code, created.stdout + created.stderr).toBe(0);
  for (const [who, role] of [
    ['bob', 'member'],
    ['alice', 'publisher'],
  ] as const) {
    const set = await as('admin')('org', 'member', 'lab', who, '--role', role);
    expect(set.code, set.stdout + set.stderr).toBe(0);
    expect(set.json).toMatchObject({ handle: who, role });
  }
}, 120_000);
afterAll(async () => {
  for (const b of Object.values(boxes)) b.cleanup();
  await reg?.close();
  await emu?.close();
});

describe('cws ami publish --org', () => {
  it('a publisher publishes for the organisation; members see it, outsiders do not', { timeout: 120_000 }, async () => {
    const shown = await as('alice')('org', 'show', 'lab');
    expect(shown.json.member_list).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ handle: 'alice', role: 'publisher' }),
        expect.objectContaining({ handle: 'bob', role: 'member' }),
      ]),
    );
    const ami = imageOf(A, 'lab-ml-build');
    const pub = await as('alice')(
      'ami',
      'publish',
      ami,
      '--region',
      'us-east-1',
      '--org',
      'lab',
      '--name',
      'lab/ml-env',
      '--template',
      'python-ml',
      '--description',
      'our kernels',
      '--share-with',
      B.accountId,
    );
    expect(pub.code, pub.stdout + pub.stderr).toBe(0);
    expect(pub.json).toMatchObject({
      action: 'published',
      listing: 'lab/ml-env',
      visibility: 'org',
      version: '1.0.0',
      account_id: A.accountId,
    });
    expect(pub.json.warnings.filter((w: string) => /verify/.test(w))).toEqual([]);
    expect(
      pub.json.verification.regions.map((r: { verification: { status: string } }) => r.verification.status),
    ).toEqual(['verified']);
    // Not public in EC2: shared with the member's account and the registry's, so it can verify it.
    const image = emu.getImage('us-east-1', ami);
    expect(image?.public).toBe(false);
    expect(image?.launchPermissions).toEqual(expect.arrayContaining([B.accountId, REGISTRY.accountId]));

    // The registry says the same: lab/ml-env, org visibility, owned by the organisation.
    const forBob = await getListing('lab/ml-env', tokenOf('bob'));
    expect(forBob.status).toBe(200);
    const listing = await forBob.json();
    expect(listing).toMatchObject({ visibility: 'org' });
    expect(listing.versions.map((v: { version: string }) => v.version)).toEqual(['1.0.0']);
    // bob (member) sees it through the CLI too, and resolves the template to it.
    const info = await as('bob')('ami', 'info', 'lab/ml-env');
    expect(info.code, info.stdout + info.stderr).toBe(0);
    const resolved = await as('bob')('ami', 'resolve', 'python-ml', '--region', 'us-east-1', '--no-cache');
    expect(resolved.code, resolved.stdout + resolved.stderr).toBe(0);
    expect(resolved.json).toMatchObject({ resolution_method: 'registry', ami_id: ami });

    // carol (not a member) and anonymous callers do not.
    expect((await getListing('lab/ml-env', tokenOf('carol'))).status).toBe(404);
    expect((await getListing('lab/ml-env')).status).toBe(404);
    const carolInfo = await as('carol')('ami', 'info', 'lab/ml-env');
    expect(carolInfo.code).toBe(4);
    const carolResolve = await as('carol')('ami', 'resolve', 'python-ml', '--region', 'us-east-1', '--no-cache');
    // carol has no AWS account here: the later tiers fail, but the registry tier already found nothing for her.
    expect(carolResolve.code).toBe(8);
    expect(carolResolve.stdout).not.toContain(ami);
    expect(carolResolve.json.error.fallback_chain.find((t: { tier: string }) => t.tier === 'registry')).toMatchObject({
      outcome: 'not_found',
    });
    const browse = await fetch(`${reg.url}/api/v1/listings?q=ml-env`);
    expect(JSON.stringify(await browse.json())).not.toContain('lab/ml-env');
  });

  it('a plain member is refused, clearly, with a non-zero exit', { timeout: 120_000 }, async () => {
    const ami = imageOf(B, 'bobs-build');
    const refused = await as('bob')(
      'ami',
      'publish',
      ami,
      '--region',
      'us-east-1',
      '--org',
      'lab',
      '--name',
      'lab/bobs-env',
      '--template',
      'python-ml',
      '--share-with',
      A.accountId,
    );
    expect(refused.code, refused.stdout + refused.stderr).toBe(7);
    expect(refused.json.error.message).toMatch(/lab/);
    expect(refused.json.error.message).toMatch(/publisher|admin/);
    expect((await getListing('lab/bobs-env', reg.adminToken)).status).toBe(404);
    // Nothing was shared in EC2 for a publish the registry would refuse.
    expect(emu.getImage('us-east-1', ami)?.launchPermissions ?? []).toEqual([]);
    // A human reading it gets the same sentence on stderr.
    const human = await cws(
      [
        'ami',
        'publish',
        ami,
        '--region',
        'us-east-1',
        '--org',
        'lab',
        '--name',
        'lab/bobs-env',
        '--template',
        'python-ml',
        '--share-with',
        A.accountId,
      ],
      { env: boxes.bob!.env, timeoutMs: 60_000 },
    );
    expect(human.code).toBe(7);
    expect(human.stderr).toMatch(/publisher/);
  });

  it('--org lab --public makes the listing public', { timeout: 120_000 }, async () => {
    const ami = imageOf(A, 'lab-public-build');
    const pub = await as('alice')(
      'ami',
      'publish',
      ami,
      '--region',
      'us-east-1',
      '--org',
      'lab',
      '--name',
      'lab/open-env',
      '--template',
      'python-ml',
      '--public',
      '--skip-hygiene',
    );
    expect(pub.code, pub.stdout + pub.stderr).toBe(0);
    expect(pub.json).toMatchObject({ listing: 'lab/open-env', visibility: 'public' });
    expect(emu.getImage('us-east-1', ami)?.public).toBe(true);
    const anon = await getListing('lab/open-env');
    expect(anon.status).toBe(200);
    expect(await anon.json()).toMatchObject({ visibility: 'public' });
    expect((await getListing('lab/open-env', tokenOf('carol'))).status).toBe(200);
    // --name outside the organisation is a usage error before anything happens.
    const wrong = await as('alice')(
      'ami',
      'publish',
      ami,
      '--region',
      'us-east-1',
      '--org',
      'lab',
      '--name',
      'alice/x',
    );
    expect(wrong.code).toBe(2);
    expect(wrong.json.error.message).toMatch(/use --name lab\/x/);
  });
});
