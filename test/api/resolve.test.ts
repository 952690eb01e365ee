import { resolveResult } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, fakeAmi, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

let reg: TestRegistry;
let alice: string;
let bob: string;

async function rate(token: string, ref: string, rating: number) {
  const res = await request(reg.url)
    .put(`/api/v1/listings/${ref}/rating`)
    .set('Authorization', `Bearer ${token}`)
    .send({ rating });
  expect(res.status).toBe(200);
}

let worlds = 0;
/**
 * A template of its own for one test: alice's gatk (us-east-1 x86_64 and arm64, rated 3) and bob's nextflow
 * (us-east-1 and us-west-2, rated 5), so each test resolves against these two listings only, as they were published.
 */
async function genomics() {
  const n = ++worlds;
  const template = `genomics-${n}`;
  const gatk = `gatk-${n}`;
  const nextflow = `nextflow-${n}`;
  const ami = { good: fakeAmi(), better: fakeAmi(), arm: fakeAmi(), west: fakeAmi(), beta: fakeAmi() };
  await publish(reg, alice, {
    ...publishBody(gatk, { template }),
    version: {
      version: '1.0.0',
      regions: [
        { region: 'us-east-1', architecture: 'x86_64', ami_id: ami.good },
        { region: 'us-east-1', architecture: 'arm64', ami_id: ami.arm },
      ],
    },
  });
  await publish(reg, bob, {
    ...publishBody(nextflow, { template }),
    version: {
      version: '2.0.0',
      regions: [
        { region: 'us-east-1', architecture: 'x86_64', ami_id: ami.better },
        { region: 'us-west-2', architecture: 'x86_64', ami_id: ami.west },
      ],
    },
  });
  await rate(alice, `bob/${nextflow}`, 5);
  await rate(bob, `alice/${gatk}`, 3);
  const resolve = (qs: string) => request(reg.url).get(`/api/v1/resolve/${template}?${qs}`);
  return { n, template, gatk, nextflow, ami, resolve };
}

/** The verification job (AWS issue) writes this; here the row is set as it would. */
async function markVerified(amiId: string) {
  await reg.database.db
    .updateTable('image_regions')
    .set({ verification_status: 'verified', last_verified_at: new Date() })
    .where('ami_id', '=', amiId)
    .execute();
  await reg.server.ctx.cache.invalidate('test');
}

beforeAll(async () => {
  reg = await startRegistry();
  alice = await createUser(reg, 'alice');
  bob = await createUser(reg, 'bob');
});
afterAll(() => reg?.close());

describe('resolve', () => {
  it('returns the best image for template, region and architecture, and says why', async () => {
    const { template, nextflow, ami, resolve } = await genomics();
    const res = await resolve('region=us-east-1');
    expect(res.status).toBe(200);
    const body = resolveResult.parse(res.body);
    expect(body).toMatchObject({
      ami_id: ami.better,
      region: 'us-east-1',
      architecture: 'x86_64',
      template,
    });
    expect(body.listing).toMatchObject({ ref: `bob/${nextflow}`, rating: { average: 5, count: 1 } });
    expect(body.version).toEqual({ version: '2.0.0', status: 'active', channel: null });
    expect(body.reason).toMatch(/rated 5/);
    expect(body.warnings.join(' ')).toMatch(/not verified/);
    expect((await resolve('region=us-east-1&architecture=arm64')).body.ami_id).toBe(ami.arm);
    expect((await resolve('region=us-west-2')).body.ami_id).toBe(ami.west);
  });

  it('applies a minimum rating and explains a miss', async () => {
    const { template, ami, resolve } = await genomics();
    expect((await resolve('region=us-east-1&min_rating=4')).body.ami_id).toBe(ami.better);
    const none = await resolve('region=us-east-1&architecture=arm64&min_rating=4');
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('no_match');
    expect(none.body.error.message).toMatch(/1 rated below 4/);
    const nothing = await resolve('region=ap-south-1');
    expect(nothing.status).toBe(404);
    expect(nothing.body.error.message).toContain(`no image for ${template} in ap-south-1`);
  });

  it('prefers verified images, and verified_only refuses the rest', async () => {
    const { ami, resolve } = await genomics();
    expect((await resolve('region=us-east-1&verified_only=true')).status).toBe(404);
    await markVerified(ami.good);
    const res = await resolve('region=us-east-1&verified_only=true');
    expect(res.body.ami_id).toBe(ami.good);
    expect(res.body.verification.status).toBe('verified');
    // Verified outranks a better rating.
    expect((await resolve('region=us-east-1')).body.ami_id).toBe(ami.good);
  });

  it('warns about, or blocks, images above the allowed scan severity, and unscanned ones', async () => {
    const { n, ami, resolve } = await genomics();
    await markVerified(ami.good);
    const rows = await reg.database.db
      .selectFrom('image_regions')
      .select(['id', 'ami_id'])
      .where('ami_id', 'in', [ami.good, ami.better])
      .execute();
    const id = (a: string) => rows.find((r) => r.ami_id === a)!.id;
    await reg.database.db
      .insertInto('scans')
      .values([
        {
          region_image_id: id(ami.good),
          scanner: 'inspector2',
          status: 'complete',
          critical: 1,
          high: 0,
          medium: 2,
          low: 0,
          informational: 0,
          top_findings: [],
        },
        {
          region_image_id: id(ami.better),
          scanner: 'inspector2',
          status: 'complete',
          critical: 0,
          high: 0,
          medium: 3,
          low: 1,
          informational: 0,
          top_findings: [],
        },
      ])
      .execute();
    await reg.server.ctx.cache.invalidate('test');
    const res = await resolve('region=us-east-1&max_severity=medium&severity_mode=block');
    expect(res.body.ami_id).toBe(ami.better);
    expect(res.body.scan).toMatchObject({
      scanner: 'inspector2',
      highest: 'medium',
      counts: { medium: 3, low: 1, critical: 0 },
    });
    expect(res.body.policy).toMatchObject({ max_severity: 'medium', mode: 'block', verdict: 'passed' });
    const strict = await resolve('region=us-east-1&max_severity=low&severity_mode=block&explain=true');
    expect(strict.status).toBe(404);
    expect(strict.body.error.message).toMatch(/2 with findings above max_severity low not accepted/);
    // explain=true names what the policy passed over, best first (alice's image is verified above).
    expect(strict.body.error.message).toMatch(
      new RegExp(
        `passed over: alice/gatk-${n}@1\\.0\\.0 ami-\\w+ \\(latest scan found 1 critical, 2 medium finding\\(s\\) above max_severity low\\), bob/nextflow-${n}@2\\.0\\.0`,
      ),
    );
    // Warn, the default mode: resolved as without a policy, saying what was found.
    const warned = await resolve('region=us-east-1&max_severity=low');
    expect(warned.status).toBe(200);
    expect(warned.body.ami_id).toBe(ami.good);
    expect(warned.body.policy).toMatchObject({ mode: 'warn', verdict: 'above', highest: 'critical' });
    expect(warned.body.warnings.join('\n')).toMatch(
      /1 critical, 2 medium finding\(s\) above max_severity low \(warn mode/,
    );
    // Unscanned: refused in block mode, saying so; taken with allow_unscanned=true, with a warning.
    const west = await resolve('region=us-west-2&max_severity=critical&severity_mode=block');
    expect(west.status).toBe(404);
    expect(west.body.error.message).toMatch(/1 not scanned \(allow_unscanned=true takes them\)/);
    const westOk = await resolve('region=us-west-2&max_severity=critical&severity_mode=block&allow_unscanned=true');
    expect(westOk.status).toBe(200);
    expect(westOk.body).toMatchObject({ ami_id: ami.west, policy: { verdict: 'unscanned', allow_unscanned: true } });
    expect(westOk.body.warnings.join('\n')).toMatch(/not scanned.*; taken because allow_unscanned=true/);
    const westWarn = await resolve('region=us-west-2&max_severity=critical');
    expect(westWarn.body.warnings.join('\n')).toMatch(/could not be checked \(warn mode\)/);
    // A mode without the limit it applies to is refused, not silently ignored.
    for (const q of ['severity_mode=block', 'allow_unscanned=true']) {
      const bare = await resolve(`region=us-east-1&${q}`);
      expect(bare.status).toBe(400);
      expect(bare.body.error.message).toMatch(/needs max_severity/);
    }
  });

  it('follows channels', async () => {
    const { gatk, ami, resolve } = await genomics();
    await request(reg.url)
      .post(`/api/v1/listings/alice/${gatk}/versions`)
      .set('Authorization', `Bearer ${alice}`)
      .send({ version: '1.1.0-beta', regions: [{ region: 'us-east-1', ami_id: ami.beta }] });
    await request(reg.url)
      .put(`/api/v1/listings/alice/${gatk}/channels/beta`)
      .set('Authorization', `Bearer ${alice}`)
      .send({ version: '1.1.0-beta' });
    const res = await resolve('region=us-east-1&channel=beta');
    expect(res.body).toMatchObject({ ami_id: ami.beta, version: { version: '1.1.0-beta', channel: 'beta' } });
    expect((await resolve('region=us-east-1&channel=nightly')).status).toBe(404);
  });

  it('never returns revoked versions and returns deprecated ones only when nothing else matches', async () => {
    const { gatk, ami, resolve } = await genomics();
    const auth = { Authorization: `Bearer ${alice}` };
    await markVerified(ami.good);
    // A beta on a channel, then revoked: resolve never takes it, on its channel or otherwise.
    await request(reg.url)
      .post(`/api/v1/listings/alice/${gatk}/versions`)
      .set(auth)
      .send({ version: '1.1.0-beta', regions: [{ region: 'us-east-1', ami_id: ami.beta }] })
      .expect(201);
    await request(reg.url)
      .put(`/api/v1/listings/alice/${gatk}/channels/beta`)
      .set(auth)
      .send({ version: '1.1.0-beta' })
      .expect(200);
    await request(reg.url)
      .post(`/api/v1/listings/alice/${gatk}/versions/1.1.0-beta/revoke`)
      .set(auth)
      .send({ reason: 'broken' })
      .expect(200);
    expect((await resolve('region=us-east-1&channel=beta')).status).toBe(404);
    await request(reg.url)
      .post(`/api/v1/listings/alice/${gatk}/versions/1.0.0/deprecate`)
      .set(auth)
      .send({ reason: 'old' });
    // x86_64: bob's active image now wins over alice's deprecated (though verified) one.
    expect((await resolve('region=us-east-1')).body.ami_id).toBe(ami.better);
    // arm64: only alice's deprecated image exists, so it is returned, with a warning.
    const arm = await resolve('region=us-east-1&architecture=arm64');
    expect(arm.body).toMatchObject({ ami_id: ami.arm, version: { status: 'deprecated' } });
    expect(arm.body.warnings).toContain('version 1.0.0 is deprecated');
    await request(reg.url)
      .post(`/api/v1/listings/alice/${gatk}/versions/1.0.0/revoke`)
      .set(auth)
      .send({ reason: 'cve' })
      .expect(200);
    const gone = await resolve('region=us-east-1&architecture=arm64');
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toMatch(/1 revoked/);
  });

  it('counts a download once per identity and day; count=false and repeats do not add', async () => {
    const { n, template, nextflow, resolve } = await genomics();
    // An anonymous resolve from this address first: counted.
    expect((await resolve('region=us-west-2')).status).toBe(200);
    await reg.server.ctx.downloads.flush();
    await reg.server.ctx.cache.invalidate('test');
    const before = (await request(reg.url).get(`/api/v1/listings/bob/${nextflow}`)).body.download_count;
    expect(before).toBeGreaterThan(0);
    // That address is already counted today.
    for (let i = 0; i < 3; i++) expect((await resolve('region=us-west-2')).status).toBe(200);
    await reg.server.ctx.downloads.flush();
    await reg.server.ctx.cache.invalidate('test');
    expect((await request(reg.url).get(`/api/v1/listings/bob/${nextflow}`)).body.download_count).toBe(before);
    // A token holder is another identity: counted once, however often; count=false never.
    const someone = await createUser(reg, `someone-counted-${n}`);
    for (let i = 0; i < 3; i++) {
      const res = await request(reg.url)
        .get(`/api/v1/resolve/${template}?region=us-west-2`)
        .set('Authorization', `Bearer ${someone}`);
      expect(res.status).toBe(200);
    }
    await request(reg.url)
      .get(`/api/v1/resolve/${template}?region=us-west-2&count=false`)
      .set('Authorization', `Bearer ${await createUser(reg, `just-looking-${n}`)}`);
    await reg.server.ctx.downloads.flush();
    await reg.server.ctx.cache.invalidate('test');
    const after = (await request(reg.url).get(`/api/v1/listings/bob/${nextflow}`)).body;
    expect(after.download_count).toBe(before + 1);
    expect(after.versions[0].download_count).toBeGreaterThanOrEqual(1);
  });

  it('validates the template, region, architecture and policy', async () => {
    for (const path of [
      '/api/v1/resolve/genomics',
      '/api/v1/resolve/genomics?region=us-east-9x',
      '/api/v1/resolve/genomics?region=us-east-1&architecture=i386',
      '/api/v1/resolve/genomics?region=us-east-1&min_rating=9',
      '/api/v1/resolve/genomics?region=us-east-1&max_severity=severe',
      '/api/v1/resolve/genomics?region=us-east-1&verified_only=1',
      '/api/v1/resolve/Genomics!?region=us-east-1',
      '/api/v1/resolve/genomics?region=us-east-1&strategy=x',
    ]) {
      const res = await request(reg.url).get(path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });
});
