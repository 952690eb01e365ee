import { type AwsEmulator, DEFAULT_ACCOUNTS, startEmulator } from '@cws/aws-emulator';
import { auditPage, launchResult, listingDetail, ratingResult, resolveResult } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, fakeAmi, publish, publishBody } from '../helpers/api.js';
import { awsConfig, presignCallerIdentity, REGISTRY_ID } from '../helpers/aws.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

/**
 * The "launched it" mark and the launch count over the API: a launch reported from an AWS account the reporter
 * proved marks their rating (made before or after), an account someone else proved does not; resolve answers carry
 * both counts; a listing's audit log pages and is for its owner, maintainers and admins.
 */
const { A, B } = DEFAULT_ACCOUNTS;
let emu: AwsEmulator;
let reg: TestRegistry;
const t: Record<string, string> = {};
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

let seq = 0;
/** alice's listing of its own for one test (own image and template): no test sees another's launches or ratings. */
async function marked() {
  const n = ++seq;
  const name = `marked-${n}`;
  const template = `julia-lab-${n}`;
  const ami = fakeAmi();
  await publish(
    reg,
    t.alice!,
    publishBody(name, {
      template,
      version: { version: '1.0.0', regions: [{ region: 'us-east-1', architecture: 'x86_64', ami_id: ami }] },
    }),
  );
  const detail = async () => listingDetail.parse((await request(reg.url).get(`/api/v1/listings/alice/${name}`)).body);
  const launch = (token: string | null, account?: string) => {
    const r = request(reg.url).post('/api/v1/launches');
    return (token ? r.set(auth(token)) : r).send({
      ami_id: ami,
      region: 'us-east-1',
      ...(account ? { aws_account: account } : {}),
    });
  };
  const rate = (token: string, rating: number) =>
    request(reg.url).put(`/api/v1/listings/alice/${name}/rating`).set(auth(token)).send({ rating });
  /** What the first test leaves: bob's rating, marked by his launch from his proven account B. */
  const bobRatedAndLaunched = async () => {
    expect((await rate(t.bob!, 4)).status).toBe(200);
    expect(launchResult.parse((await launch(t.bob!, B.accountId)).body)).toMatchObject({ proven_account: true });
  };
  return { name, template, ami, detail, launch, rate, bobRatedAndLaunched };
}

beforeAll(async () => {
  emu = await startEmulator({ seedCanonical: false });
  reg = await startRegistry({ config: { aws: awsConfig(emu) } });
  for (const h of ['alice', 'bob', 'carol', 'dee']) t[h] = await createUser(reg, h);
  // bob proves account B; carol proves nothing; dee proves A.
  for (const [who, account] of [
    ['bob', B],
    ['dee', A],
  ] as const) {
    const res = await request(reg.url)
      .post('/api/v1/auth/aws')
      .set(auth(t[who]!))
      .send(presignCallerIdentity(emu.url, account, { registryId: REGISTRY_ID }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
}, 60_000);
afterAll(async () => {
  await reg?.close();
  await emu?.close();
});

describe('launched it', () => {
  it('marks a rating made before the launch, once the launch comes from the rater’s proven account', async () => {
    const { detail, launch, rate } = await marked();
    const before = ratingResult.parse((await rate(t.bob!, 4)).body);
    expect(before.launched).toBe(false);
    const l = launchResult.parse((await launch(t.bob!, B.accountId)).body);
    expect(l).toMatchObject({ counted: true, launch_count: 1, proven_account: true });
    const d = await detail();
    expect(d.reviews.find((r) => r.user === 'bob')?.launched).toBe(true);
    expect(d.ratings.launched_count).toBe(1);
    // Rating again keeps the mark.
    expect(ratingResult.parse((await rate(t.bob!, 5)).body).launched).toBe(true);
  });

  it('does not mark for an account the reporter did not prove, nor for an anonymous report', async () => {
    const { detail, launch, rate, bobRatedAndLaunched } = await marked();
    await bobRatedAndLaunched();
    // B is bob's account, not carol's: counted as a launch, not as hers.
    const l = launchResult.parse((await launch(t.carol!, B.accountId)).body);
    expect(l).toMatchObject({ counted: true, launch_count: 2, proven_account: false });
    expect(ratingResult.parse((await rate(t.carol!, 2)).body).launched).toBe(false);
    const anon = launchResult.parse((await launch(null, A.accountId)).body);
    expect(anon.proven_account).toBe(false);
    const d = await detail();
    expect(d.reviews.find((r) => r.user === 'carol')?.launched).toBe(false);
    expect(d.ratings).toMatchObject({ count: 2, launched_count: 1 });
    expect(d.launch_count).toBe(3);
  });

  it('marks when the same day’s launch was first reported without the proven account, and counts it once', async () => {
    const { detail, launch, rate, bobRatedAndLaunched } = await marked();
    await bobRatedAndLaunched();
    const first = launchResult.parse((await launch(t.dee!)).body);
    expect(first).toMatchObject({ counted: true, proven_account: false });
    expect(ratingResult.parse((await rate(t.dee!, 3)).body).launched).toBe(false);
    const second = launchResult.parse((await launch(t.dee!, A.accountId)).body);
    expect(second).toMatchObject({ counted: false, launch_count: first.launch_count, proven_account: true });
    const d = await detail();
    expect(d.reviews.find((r) => r.user === 'dee')?.launched).toBe(true);
    expect(d.ratings.launched_count).toBe(2);
  });

  it('resolve answers carry the download and launch counts', async () => {
    const { name, template, launch, rate } = await marked();
    // A rating (the min_rating=1 policy below needs one), four launches (bob's, carol's, an anonymous one and
    // dee's), then one download.
    expect((await rate(t.bob!, 4)).status).toBe(200);
    for (const [token, account] of [
      [t.bob!, B.accountId],
      [t.carol!, B.accountId],
      [null, A.accountId],
      [t.dee!, undefined],
    ] as const) {
      expect(launchResult.parse((await launch(token, account)).body).counted).toBe(true);
    }
    await request(reg.url).get(`/api/v1/resolve/${template}?region=us-east-1`).set(auth(t.carol!));
    await reg.server.ctx.downloads.flush();
    // The counts as stored (a listing detail cached before the flush may lag by the cache TTL).
    const stored = await reg.database.db
      .selectFrom('image_stats as st')
      .innerJoin('images as i', 'i.id', 'st.image_id')
      .select(['st.download_count', 'st.launch_count'])
      .where('i.name', '=', name)
      .executeTakeFirstOrThrow();
    expect([Number(stored.download_count), Number(stored.launch_count)]).toEqual([1, 4]);
    // A policy no earlier request used: a fresh answer, not one cached before the counts moved.
    const res = await request(reg.url).get(`/api/v1/resolve/${template}?region=us-east-1&count=false&min_rating=1`);
    const r = resolveResult.parse(res.body);
    expect(r.listing).toMatchObject({ download_count: 1, launch_count: 4 });
  });
});

describe('a listing’s audit log', () => {
  it('pages newest first with a cursor, for the owner and admins; others get 403, nobody 401', async () => {
    const { name, rate } = await marked();
    for (const [who, stars] of [
      ['bob', 4],
      ['bob', 5],
      ['carol', 2],
    ] as const) {
      expect((await rate(t[who]!, stars)).status).toBe(200);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await request(reg.url)
        .get(`/api/v1/listings/alice/${name}/audit?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
        .set(auth(t.alice!));
      expect(res.status).toBe(200);
      const page = auditPage.parse(res.body);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((e) => `${e.at} ${e.actor} ${e.action}`));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor && pages < 20);
    expect(pages).toBeGreaterThan(1);
    expect(new Set(seen).size).toBe(seen.length);
    const actions = seen.map((s) => s.split(' ').slice(1).join(' '));
    expect(actions.at(-1)).toBe('alice listing.publish');
    expect(actions).toEqual(expect.arrayContaining(['bob rating.create', 'bob rating.update', 'carol rating.create']));
    const times = seen.map((s) => s.split(' ')[0]!);
    expect(times.every((at, i) => i === 0 || at <= times[i - 1]!)).toBe(true);
    expect((await request(reg.url).get(`/api/v1/listings/alice/${name}/audit`).set(auth(reg.adminToken))).status).toBe(
      200,
    );
    expect((await request(reg.url).get(`/api/v1/listings/alice/${name}/audit`).set(auth(t.bob!))).status).toBe(403);
    expect((await request(reg.url).get(`/api/v1/listings/alice/${name}/audit`)).status).toBe(401);
    expect(
      (await request(reg.url).get(`/api/v1/listings/alice/${name}/audit?cursor=not-a-cursor`).set(auth(t.alice!)))
        .status,
    ).toBe(400);
  });
});
