import { type AwsEmulator, DEFAULT_ACCOUNTS, startEmulator } from '@cws/aws-emulator';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { assertBuilt, cws, type Sandbox } from './run-cws.js';
import { addRegistry, awsSandbox, writeTemplate } from './seed.js';

/**
 * cws launch OWNER/NAME on the built binary, a real registry and the AWS emulator: bob's image of the same template
 * ranks higher than alice's, and the template pins a third image and searches EC2 by name; cws launch alice/NAME
 * launches alice's image, or fails saying why, never bob's or any other.
 */
const { A, B } = DEFAULT_ACCOUNTS;
const TEMPLATE = 'rstudio-lab';
let emu: AwsEmulator;
let reg: TestRegistry;
let box: Sandbox;
let aliceToken: string;
const ami: Record<string, string> = {};

const yaml = (pinned: string) => `name: ${TEMPLATE}
description: RStudio for tests
architectures: [x86_64]
regions: [us-east-1, us-west-2]
ami_config:
  ami_mappings:
    us-east-1:
      x86_64: ${pinned}
  ami_search:
    owner: "${B.accountId}"
    name_pattern: "rstudio-*"
setup_script: |
  #!/bin/bash
  echo hello
estimated_setup_time: 5m
`;

beforeAll(async () => {
  assertBuilt();
  [emu, reg] = await Promise.all([startEmulator({ imageAvailableAfterMs: 0 }), startRegistry()]);
  const img = (owner: { accountId: string }, name: string) =>
    emu.addImage({ region: 'us-east-1', ownerAccount: owner.accountId, name, public: true });
  ami.alice = img(B, 'rstudio-alice');
  ami.bob = img(B, 'rstudio-bob');
  ami.pinned = img(B, 'rstudio-pinned');
  aliceToken = await createUser(reg, 'alice');
  const bob = await createUser(reg, 'bob');
  const carol = await createUser(reg, 'carol');
  const version = (id: string, v: string) => ({
    version: v,
    template_yaml: yaml(ami.pinned!),
    regions: [{ region: 'us-east-1', architecture: 'x86_64' as const, ami_id: id }],
  });
  await publish(reg, aliceToken, {
    ...publishBody('rstudio', { template: TEMPLATE }),
    version: version(ami.alice, '1.0.0'),
  });
  await publish(reg, bob, { ...publishBody('rstudio', { template: TEMPLATE }), version: version(ami.bob, '1.0.0') });
  for (const [ref, stars] of [
    ['bob/rstudio', 5],
    ['alice/rstudio', 2],
  ] as const) {
    await request(reg.url)
      .put(`/api/v1/listings/${ref}/rating`)
      .set('Authorization', `Bearer ${carol}`)
      .send({ rating: stars })
      .expect(200);
  }
  box = awsSandbox(emu.url, A);
  await addRegistry(box, 'campus', reg.url);
  writeTemplate(box, TEMPLATE, yaml(ami.pinned));
}, 120_000);
afterAll(async () => {
  box?.cleanup();
  await Promise.all([emu?.close(), reg?.close()]);
});

const run = (...args: string[]) => cws([...args, '--json'], { env: box.env, timeoutMs: 60_000 });

describe('cws launch OWNER/NAME', () => {
  it("launches that listing's image, not the better-ranked one or the template's pinned one", async () => {
    const byName = await run('launch', TEMPLATE, 'by-name', '--dry-run');
    expect(byName.code, byName.stderr).toBe(0);
    expect(byName.json.ami_id).toBe(ami.pinned);
    const pinned = await run('launch', 'alice/rstudio', 'alices', '--dry-run');
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(pinned.json).toMatchObject({
      ami_id: ami.alice,
      listing: 'alice/rstudio',
      pinned_listing: 'alice/rstudio',
      resolution_method: 'registry',
      state: 'would-launch',
    });
    const bobs = await run('launch', 'bob/rstudio', 'bobs', '--dry-run');
    expect(bobs.json).toMatchObject({ ami_id: ami.bob, pinned_listing: 'bob/rstudio' });
  });

  it('says why the chain skipped the other tiers', async () => {
    const r = await cws(['launch', 'alice/rstudio', 'chain', '--dry-run', '--region', 'us-west-2', '--json'], {
      env: box.env,
      timeoutMs: 60_000,
    });
    // No image of alice's in us-west-2: an error naming the listing, though bob's search pattern matches elsewhere.
    expect(r.code).toBe(5);
    expect(r.json.error.message).toContain('could not resolve listing alice/rstudio');
    expect(r.json.error.message).toContain('has no image for rstudio-lab in us-west-2/x86_64');
    const chain = r.json.error.fallback_chain as Array<{ tier: string; outcome: string; detail: string }>;
    expect(chain.map((e) => [e.tier, e.outcome])).toEqual([
      ['direct_mapping', 'skipped'],
      ['registry', 'not_found'],
      ['dynamic_search', 'skipped'],
      ['cross_region', 'skipped'],
      ['script_fallback', 'skipped'],
    ]);
    expect(chain.filter((e) => e.outcome === 'skipped').every((e) => e.detail.startsWith('pinned to listing'))).toBe(
      true,
    );
  });

  it("a revoked version of the listing is refused, not replaced by bob's image", async () => {
    // A newer version elsewhere carries the template, so the listing still offers it; us-east-1 has only 1.0.0.
    await request(reg.url)
      .post('/api/v1/listings/alice/rstudio/versions')
      .set('Authorization', `Bearer ${aliceToken}`)
      .send({
        version: '2.0.0',
        template_yaml: yaml(ami.pinned!),
        regions: [{ region: 'eu-west-1', ami_id: ami.pinned }],
      })
      .expect(201);
    await request(reg.url)
      .post('/api/v1/listings/alice/rstudio/versions/1.0.0/revoke')
      .set('Authorization', `Bearer ${aliceToken}`)
      .send({ reason: 'broken' })
      .expect(200);
    const r = await run('launch', 'alice/rstudio', 'revoked', '--dry-run');
    expect(r.code, r.stderr).toBe(5);
    expect(r.json.error.message).toContain('could not resolve listing alice/rstudio');
    expect(r.json.error.message).toContain('1 revoked (version 1.0.0)');
    expect(JSON.stringify(r.json)).not.toContain(ami.bob);
    // Unpinned, the template still resolves (its pinned mapping first).
    expect((await run('launch', TEMPLATE, 'by-name', '--dry-run')).json.ami_id).toBe(ami.pinned);
  });
});
