import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exportPage, mirrorResult, registryIndex } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, fakeAmi, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

// The community registry (upstream) and an institution's private one that mirrors it.
let upstream: TestRegistry;
let local: TestRegistry;
let alice: string;
let ami: Awaited<ReturnType<typeof mirrorPair>>['ami'];
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const GENOMICS = 'name: genomics\ndescription: pipelines\nsetup_script: |\n  apt-get install -y samtools\n';
const BIN = new URL('../../registry-server/bin/cws-registry.js', import.meta.url).pathname;
const run = promisify(execFile);
/** The command's result: the pretty-printed JSON after any log lines. */
const result = (stdout: string) => JSON.parse(stdout.slice(stdout.indexOf('{\n')));

const mirror = async (into = local, from = upstream) => {
  const res = await request(into.url).post('/api/v1/admin/mirror').set(auth(into.adminToken)).send({ url: from.url });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return mirrorResult.parse(res.body);
};

/**
 * An upstream registry with alice's gatk (1.0.0, and 2.0.0 with a template and a scan), bob's tool and bob's unlisted
 * draft, and a local registry with a "bob" of its own. The shared pair is only read upstream; a test that changes
 * upstream makes a pair of its own.
 */
async function mirrorPair() {
  const ami = { v1: fakeAmi(), v2: fakeAmi(), arm: fakeAmi(), other: fakeAmi(), mine: fakeAmi(), hidden: fakeAmi() };
  const upstream = await startRegistry();
  const local = await startRegistry();
  const alice = await createUser(upstream, 'alice');
  const bob = await createUser(upstream, 'bob');
  await publish(upstream, alice, {
    ...publishBody('gatk', { template: 'genomics', tags: ['bio'] }),
    version: { version: '1.0.0', regions: [{ region: 'us-east-1', architecture: 'x86_64', ami_id: ami.v1 }] },
  });
  const v2 = await request(upstream.url)
    .post('/api/v1/listings/alice/gatk/versions')
    .set(auth(alice))
    .send({
      version: '2.0.0',
      template_yaml: GENOMICS,
      regions: [
        { region: 'us-east-1', architecture: 'x86_64', ami_id: ami.v2 },
        { region: 'us-east-1', architecture: 'arm64', ami_id: ami.arm },
      ],
    });
  expect(v2.status).toBe(201);
  await publish(upstream, bob, {
    ...publishBody('tool', { template: 'genomics' }),
    version: { version: '1', regions: [{ region: 'eu-west-1', architecture: 'x86_64', ami_id: ami.other }] },
  });
  await publish(upstream, bob, {
    ...publishBody('draft', { visibility: 'unlisted' }),
    version: { version: '1', regions: [{ region: 'us-east-1', architecture: 'x86_64', ami_id: ami.hidden }] },
  });
  // A scan summary upstream, to see it carried over.
  const region = await upstream.database.db
    .selectFrom('image_regions')
    .select('id')
    .where('ami_id', '=', ami.v2)
    .executeTakeFirstOrThrow();
  await upstream.database.db
    .insertInto('scans')
    .values({
      region_image_id: region.id,
      scanner: 'inspector2',
      status: 'complete',
      critical: 0,
      high: 1,
      medium: 2,
      low: 0,
      informational: 0,
      top_findings: [],
    })
    .execute();
  // The institution already has its own "bob": bob's upstream listing must not land under it.
  const localBob = await createUser(local, 'bob');
  await publish(local, localBob, publishBody('local-only'));
  return { upstream, local, alice, ami };
}

beforeAll(async () => {
  ({ upstream, local, alice, ami } = await mirrorPair());
}, 120_000);
afterAll(async () => {
  await Promise.all([upstream?.close(), local?.close()]);
});

describe('GET /api/v1/export', () => {
  it('pages through public listings in the registry-index shape with versions, regions, verification and scans', async () => {
    const first = await request(upstream.url).get('/api/v1/export?limit=1');
    expect(first.status).toBe(200);
    const page = exportPage.parse(first.body);
    expect(registryIndex.safeParse(page.index).success).toBe(true);
    const gatk = page.index.genomics?.gatk;
    expect(gatk).toMatchObject({ version: '2.0.0', creator: 'alice', regions: { 'us-east-1': ami.v2 } });
    expect(gatk?.versions?.map((v) => v.version)).toEqual(['2.0.0', '1.0.0']);
    const x86 = gatk?.versions?.[0]?.regions.find((r) => r.architecture === 'x86_64');
    expect(x86?.scan).toMatchObject({ scanner: 'inspector2', counts: { high: 1, medium: 2 } });
    expect(x86?.verification.status).toBe('unverified');
    expect(page.next_cursor).toBeTruthy();
    const second = exportPage.parse(
      (await request(upstream.url).get(`/api/v1/export?cursor=${page.next_cursor}`)).body,
    );
    expect(Object.keys(second.index.genomics ?? {})).toEqual(['tool']);
    expect(second.next_cursor).toBeNull();
    // Unlisted, private and org listings are not exported.
    expect(JSON.stringify(second)).not.toContain(ami.hidden);
    expect((await request(upstream.url).get('/api/v1/export?limit=0')).status).toBe(400);
    expect((await request(upstream.url).get('/api/v1/export?cursor=garbage')).status).toBe(400);
  });
});

describe('mirroring', () => {
  it('imports the export marked with its origin, leaves local names alone, and a second run changes nothing', async () => {
    const first = await mirror();
    expect(first).toMatchObject({ listings_created: 1, versions_created: 2, users_created: 1, regions_added: 3 });
    expect(first.conflicts).toEqual([expect.stringMatching(/^bob\/tool: bob is a local account here/)]);
    const detail = await request(local.url).get('/api/v1/listings/alice/gatk');
    expect(detail.status).toBe(200);
    expect(detail.body.origin).toBe(upstream.url);
    // The template travels too: a mirror's users can cws template fetch it.
    const template = await request(local.url).get('/api/v1/listings/alice/gatk/template');
    expect(template.body).toMatchObject({ version: '2.0.0', name: 'genomics', yaml: GENOMICS });
    expect(detail.body.versions.map((v: { version: string }) => v.version)).toEqual(['2.0.0', '1.0.0']);
    const x86 = detail.body.versions[0].regions.find((r: { architecture: string }) => r.architecture === 'x86_64');
    expect(x86.scan).toMatchObject({ counts: { high: 1 } });
    expect((await request(local.url).get('/api/v1/listings/bob/local-only')).body.origin).toBeNull();
    const resolved = await request(local.url).get('/api/v1/resolve/genomics?region=us-east-1');
    expect(resolved.body.ami_id).toBe(ami.v2);

    const second = await mirror();
    expect(second).toMatchObject({
      listings_created: 0,
      listings_updated: 0,
      versions_created: 0,
      regions_added: 0,
      users_created: 0,
      statuses_changed: 0,
      unchanged: 1,
    });
    const count = await local.database.db
      .selectFrom('image_versions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(3);
  });

  it('carries a revocation upstream over at the next run', async () => {
    // A pair of its own: the revocation upstream would change what the other tests export and mirror.
    const own = await mirrorPair();
    try {
      await mirror(own.local, own.upstream);
      const before = await request(own.local.url).get('/api/v1/resolve/genomics?region=us-east-1');
      expect(before.body.ami_id).toBe(own.ami.v2);
      const revoked = await request(own.upstream.url)
        .post('/api/v1/listings/alice/gatk/versions/2.0.0/revoke')
        .set(auth(own.alice))
        .send({ reason: 'bad openssl' });
      expect(revoked.status).toBe(200);
      const again = await mirror(own.local, own.upstream);
      expect(again.statuses_changed).toBe(1);
      const resolved = await request(own.local.url).get('/api/v1/resolve/genomics?region=us-east-1');
      expect(resolved.body.ami_id).toBe(own.ami.v1);
    } finally {
      await Promise.all([own.upstream.close(), own.local.close()]);
    }
  }, 120_000);

  it('says clearly when the other registry cannot be read, and refuses bad URLs', async () => {
    const down = await request(local.url)
      .post('/api/v1/admin/mirror')
      .set(auth(local.adminToken))
      .send({ url: 'http://127.0.0.1:9/' });
    expect(down.status).toBe(502);
    expect(down.body.error.message).toMatch(/could not read/);
    const bad = await request(local.url)
      .post('/api/v1/admin/mirror')
      .set(auth(local.adminToken))
      .send({ url: 'ftp://x' });
    expect(bad.status).toBe(400);
    const notAdmin = await request(local.url).post('/api/v1/admin/mirror').set(auth(alice)).send({ url: upstream.url });
    expect(notAdmin.status).toBe(401);
  });

  it('cws-registry mirror URL runs once from the command line, idempotently', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cws-mirror-'));
    const { DATABASE_URL: _d, REDIS_URL: _r, ...rest } = process.env;
    const env = {
      ...rest,
      CWS_REGISTRY_DATA: join(dir, 'db'),
      CWS_REGISTRY_LOG_LEVEL: 'warn',
      CWS_REGISTRY_AWS: 'false',
    };
    const first = await run('node', [BIN, 'mirror', upstream.url], { env });
    expect(result(first.stdout)).toMatchObject({ listings_created: 2, versions_created: 3 });
    const second = await run('node', [BIN, 'mirror', upstream.url], { env });
    expect(result(second.stdout)).toMatchObject({ listings_created: 0, versions_created: 0, unchanged: 2 });
    const usage = await run('node', [BIN, 'mirror'], { env }).catch((e) => e);
    expect(usage.code).toBe(2);
  }, 120_000);
});
