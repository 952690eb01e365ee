import { type AwsEmulator, DEFAULT_ACCOUNTS, startEmulator } from '@cws/aws-emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { downUrl } from './fake-registries.js';
import { assertBuilt, cws, type Sandbox, sandbox } from './run-cws.js';
import { addRegistry, importIndex, writeTemplate } from './seed.js';

/**
 * The revocation check end to end: images published to a real cws-registry and then revoked or deprecated there,
 * found by the template-mapping and EC2-search tiers of the built binary (AWS emulator; user = A, publisher = B).
 */
const A = DEFAULT_ACCOUNTS.A;
const B = DEFAULT_ACCOUNTS.B;

let emu: AwsEmulator;
let reg: TestRegistry;
let box: Sandbox;
let revokedAmi: string;
let deprecatedAmi: string;

function template(name: string, pinned: string) {
  return `name: ${name}
description: A lab environment for tests
architectures: [x86_64]
regions: [us-east-1]
ami_config:
  ami_mappings:
    us-east-1:
      x86_64: ${pinned}
  ami_search:
    owner: "${B.accountId}"
    name_pattern: "${name}-image-*"
setup_script: |
  #!/bin/bash
  echo "setting up ${name}"
estimated_setup_time: 8m
`;
}

async function admin(path: string, body: unknown) {
  const res = await fetch(`${reg.url}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${reg.adminToken}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

beforeAll(async () => {
  assertBuilt();
  [emu, reg] = await Promise.all([startEmulator({ imageAvailableAfterMs: 200 }), startRegistry()]);
  const add = (name: string) =>
    emu.addImage({
      region: 'us-east-1',
      ownerAccount: B.accountId,
      name,
      public: true,
      creationDate: '2026-06-01T00:00:00.000Z',
    });
  revokedAmi = add('lab-gone-image-1');
  deprecatedAmi = add('lab-old-image-1');
  // Published under other template names, so the registry tier itself never offers them.
  await importIndex(reg, {
    'published-gone': {
      'gone-env': { version: '1.0.0', creator: 'alice', regions: { 'us-east-1': revokedAmi } },
    },
    'published-old': {
      'old-env': { version: '1.0.0', creator: 'alice', regions: { 'us-east-1': deprecatedAmi } },
    },
  });
  await admin('/listings/alice/gone-env/versions/1.0.0/revoke', { reason: 'left credentials in the image' });
  await admin('/listings/alice/old-env/versions/1.0.0/deprecate', { reason: 'superseded by 2.0' });
});
afterAll(async () => {
  await Promise.all([emu?.close(), reg?.close()]);
});
afterEach(() => box?.cleanup());

async function freshBox(url = reg.url) {
  box = sandbox({
    AWS_ENDPOINT_URL: emu.url,
    AWS_ACCESS_KEY_ID: A.accessKeyId,
    AWS_SECRET_ACCESS_KEY: A.secretAccessKey,
    AWS_REGION: 'us-east-1',
  });
  await addRegistry(box, 'community', url);
}
const run = (...args: string[]) => cws(args, { env: box.env });

describe('the revocation check of resolved images', () => {
  it('refuses a revoked image from the template mapping and from the EC2 search, with the reason', async () => {
    await freshBox();
    writeTemplate(box, 'lab-gone', template('lab-gone', revokedAmi));
    const r = await run('ami', 'resolve', 'lab-gone', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.resolution_method).toBe('script_fallback');
    expect(r.json.ami_id).not.toBe(revokedAmi);
    const chain = r.json.fallback_chain.map((e: { tier: string; outcome: string }) => [e.tier, e.outcome]);
    expect(chain).toEqual(
      expect.arrayContaining([
        ['direct_mapping', 'rejected'],
        ['dynamic_search', 'rejected'],
        ['status_check', 'rejected'],
      ]),
    );
    expect(r.json.warnings.join('\n')).toMatch(
      new RegExp(
        `refused ${revokedAmi} revoked in community \\(alice/gone-env@1.0.0\\): left credentials in the image`,
      ),
    );

    const strict = await run('ami', 'resolve', 'lab-gone', '--strategy', 'ami_required', '--json');
    expect(strict.code, strict.stderr).toBe(10);
    expect(strict.json.error.code).toBe('ami_revoked');
    expect(strict.json.error.message).toMatch(/left credentials in the image/);

    const explain = await run('ami', 'resolve', 'lab-gone', '--strategy', 'ami_required', '--explain');
    expect(explain.code).toBe(10);
    expect(explain.stderr).toMatch(/status_check\s+rejected/);
  });

  it('warns about a deprecated image and still uses it', async () => {
    await freshBox();
    writeTemplate(box, 'lab-old', template('lab-old', deprecatedAmi));
    const r = await run('ami', 'resolve', 'lab-old', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({
      ami_id: deprecatedAmi,
      resolution_method: 'direct_mapping',
      status_check: { status: 'deprecated', verdict: { registry: 'community', reason: 'superseded by 2.0' } },
    });
    expect(r.json.warnings).toEqual([expect.stringMatching(/deprecated in community .*superseded by 2.0/)]);
  });

  it('warns that the status is unknown when no registry can be asked', async () => {
    await freshBox(await downUrl());
    writeTemplate(box, 'lab-gone', template('lab-gone', revokedAmi));
    const r = await run('ami', 'resolve', 'lab-gone', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ ami_id: revokedAmi, status_check: { status: 'unknown' } });
    expect(r.json.warnings.join('\n')).toMatch(/revocation status of .* unknown: no registry could be asked/);
  });

  it('cws ami status prints each image for a person and as JSON', async () => {
    await freshBox();
    const human = await run('ami', 'status', revokedAmi, deprecatedAmi, 'ami-0123456789abcdef0');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(
      new RegExp(`${revokedAmi}\\s+revoked\\s+community\\s+alice/gone-env@1.0.0\\s+left credentials`),
    );
    expect(human.stdout).toMatch(new RegExp(`${deprecatedAmi}\\s+deprecated`));
    expect(human.stdout).toMatch(/ami-0123456789abcdef0\s+unlisted/);
    const json = await run('ami', 'status', revokedAmi, '--json');
    expect(json.code).toBe(0);
    expect(json.json.items).toEqual([
      expect.objectContaining({
        ami_id: revokedAmi,
        status: 'revoked',
        verdict: expect.objectContaining({ listing: 'alice/gone-env', reason: 'left credentials in the image' }),
      }),
    ]);
    const bad = await run('ami', 'status', 'not-an-ami', '--json');
    expect(bad.code).toBe(2);
  });
});
