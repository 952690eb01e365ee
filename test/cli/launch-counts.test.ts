import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AwsEmulator, DEFAULT_ACCOUNTS, startEmulator } from '@cws/aws-emulator';
import { listingDetail, resolveResult } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../helpers/api.js';
import { awsConfig } from '../helpers/aws.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { startFake } from './fake-registries.js';
import { assertBuilt, cws, type Sandbox, sandbox } from './run-cws.js';
import { addRegistry, awsSandbox, cwsJson } from './seed.js';

/**
 * Issue 11, counts and channels, on the built binary: A publishes (unlisted, then --public onto it), points channels;
 * B resolves and launches A's image with cws launch, which reports the launch from B's proven account, then rates it:
 * the rating carries "launched it"; C, who never launched it, rates without the mark. Dry runs and --explain count
 * nothing. The API, the web pages and cws ami info show both counts.
 */
const { A, B } = DEFAULT_ACCOUNTS;
let emu: AwsEmulator;
let reg: TestRegistry;
let alice: Sandbox;
let bob: Sandbox;
let carol: Sandbox;
const ami: Record<string, string> = {};
const listing = async () => listingDetail.parse((await request(reg.url).get('/api/v1/listings/alice/lab')).body);

beforeAll(async () => {
  assertBuilt();
  emu = await startEmulator({ imageAvailableAfterMs: 100, instanceTransitionMs: 100 });
  reg = await startRegistry({ config: { aws: awsConfig(emu) } });
  alice = awsSandbox(emu.url, A);
  bob = awsSandbox(emu.url, B);
  carol = sandbox();
  for (const box of [alice, bob, carol]) await addRegistry(box, 'campus', reg.url);
  const token = await createUser(reg, 'carol');
  const login = await cws(['login', '--registry', 'campus', '--token', token, '--json'], { env: carol.env });
  expect(login.code, login.stderr).toBe(0);
  for (const v of ['one', 'two'])
    ami[v] = emu.addImage({
      region: 'us-east-1',
      ownerAccount: A.accountId,
      name: `lab-${v}`,
      tags: { 'cws:source-template': 'python-ml' },
    });
}, 120_000);
afterAll(async () => {
  for (const b of [alice, bob, carol]) b?.cleanup();
  await reg?.close();
  await emu?.close();
});

describe('launch counts, the launched-it mark, channels and the audit log', () => {
  it('publishes unlisted, then --public onto it changes the visibility and says so', { timeout: 120_000 }, async () => {
    const a = cwsJson(alice);
    expect((await a('login', '--aws')).code).toBe(0);
    const first = await a(
      'ami',
      'publish',
      ami.one!,
      '--region',
      'us-east-1',
      '--name',
      'alice/lab',
      '--template',
      'python-ml',
      '--share-with',
      B.accountId,
    );
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.json).toMatchObject({ action: 'published', visibility: 'unlisted', visibility_changed: null });

    const human = await cws(
      [
        'ami',
        'publish',
        ami.two!,
        '--region',
        'us-east-1',
        '--name',
        'alice/lab',
        '--template',
        'python-ml',
        '--public',
        '--skip-hygiene',
        '--version',
        '1.1.0',
      ],
      { env: alice.env, timeoutMs: 60_000 },
    );
    expect(human.code, human.stdout + human.stderr).toBe(0);
    expect(human.stdout).toContain('Added version alice/lab@1.1.0 on campus (public, template python-ml)');
    expect(human.stdout).toContain('visibility changed: unlisted -> public');
    expect((await listing()).visibility).toBe('public');
    expect(emu.getImage('us-east-1', ami.two!)?.public).toBe(true);
  });

  it('channels: the owner sets, lists and removes them; others may not; --channel and ami_config.channel follow them', {
    timeout: 120_000,
  }, async () => {
    const a = cwsJson(alice);
    const b = cwsJson(bob);
    expect((await b('login', '--aws')).code).toBe(0);
    const set = await a('ami', 'channel', 'set', 'alice/lab', 'stable', '1.0.0');
    expect(set.code, set.stdout + set.stderr).toBe(0);
    expect(set.json).toEqual({
      registry: 'campus',
      listing: 'alice/lab',
      channel: 'stable',
      version: '1.0.0',
      previous: null,
    });
    expect((await a('ami', 'channel', 'set', 'alice/lab', 'beta', '1.1.0')).code).toBe(0);
    const list = await b('ami', 'channel', 'list', 'alice/lab');
    expect(list.json.channels).toEqual([
      { channel: 'beta', version: '1.1.0' },
      { channel: 'stable', version: '1.0.0' },
    ]);
    const refused = await b('ami', 'channel', 'set', 'alice/lab', 'stable', '1.1.0');
    expect(refused.code).toBe(7);
    expect((await a('ami', 'channel', 'set', 'alice/lab', 'Bad_Name', '1.0.0')).code).toBe(2);
    expect((await a('ami', 'channel', 'set', 'alice/lab', 'stable', '9.9.9')).code).toBe(4);

    // Without a channel the newest version wins; the channel picks the version it points at. --explain counts nothing.
    const newest = await b('ami', 'resolve', 'python-ml', '--no-cache', '--explain');
    expect(newest.json).toMatchObject({ resolution_method: 'registry', ami_id: ami.two });
    const stable = await b('ami', 'resolve', 'python-ml', '--no-cache', '--explain', '--channel', 'stable');
    expect(stable.code, stable.stdout + stable.stderr).toBe(0);
    expect(stable.json).toMatchObject({ ami_id: ami.one, source: { listing: 'alice/lab', version: '1.0.0' } });
    expect(stable.json.source.channel).toBe('stable');
    const stableFile = join(bob.dir, 'lab-stable.yml');
    writeFileSync(
      stableFile,
      [
        'name: python-ml',
        'description: python-ml pinned to the stable channel',
        'ami_config:',
        '  strategy: ami_required',
        '  channel: stable',
      ].join('\n'),
    );
    const pinned = await b('ami', 'resolve', stableFile, '--no-cache', '--explain');
    expect(pinned.code, pinned.stdout + pinned.stderr).toBe(0);
    expect(pinned.json.ami_id).toBe(ami.one);
    const badFile = join(bob.dir, 'bad-channel.yml');
    writeFileSync(badFile, ['name: python-ml', 'ami_config:', '  channel: Stable!'].join('\n'));
    const bad = await b('template', 'validate', badFile);
    expect(bad.code).toBe(3);
    expect(JSON.stringify(bad.json)).toContain('ami_config.channel');

    const rm = await a('ami', 'channel', 'rm', 'alice/lab', 'beta');
    expect(rm.json).toMatchObject({ channel: 'beta', version: null, previous: '1.1.0' });
    expect((await a('ami', 'channel', 'rm', 'alice/lab', 'beta')).code).toBe(4);
    const gone = await b(
      'ami',
      'resolve',
      'python-ml',
      '--no-cache',
      '--explain',
      '--channel',
      'beta',
      '--strategy',
      'ami_required',
    );
    expect(gone.code).toBe(5);
    expect((await listing()).channels).toEqual({ stable: '1.0.0' });
  });

  it('a dry run counts nothing; cws launch reports the launch from the proven account; both counts shown', {
    timeout: 180_000,
  }, async () => {
    const b = cwsJson(bob);
    const dry = await b('launch', 'python-ml', 'lab-dry', '--dry-run');
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.json).toMatchObject({ dry_run: true, launch_report: null, counted_by: null });
    await reg.server.ctx.downloads.flush();
    let l = await listing();
    // Only --explain and dry-run resolves so far: nothing is a download or a launch.
    expect([l.download_count, l.launch_count]).toEqual([0, 0]);

    const launched = await b('launch', 'python-ml', 'from-alice');
    expect(launched.code, launched.stdout + launched.stderr).toBe(0);
    expect(launched.json).toMatchObject({
      state: 'running',
      resolution_method: 'registry',
      ami_id: ami.two,
      counted_by: 'campus',
      launch_report: {
        registry: 'campus',
        listing: 'alice/lab',
        version: '1.1.0',
        counted: true,
        launch_count: 1,
        proven_account: true,
      },
    });
    expect(emu.listInstances('us-east-1').find((i) => i.instanceId === launched.json.instance_id)?.ownerId).toBe(
      B.accountId,
    );
    // The launch's resolve is one download; carol's resolve another; repeats from one identity count once.
    for (let i = 0; i < 2; i++)
      expect((await cwsJson(carol)('ami', 'resolve', 'python-ml', '--region', 'us-east-1')).code).toBe(0);
    await reg.server.ctx.downloads.flush();
    l = await listing();
    expect([l.download_count, l.launch_count]).toEqual([2, 1]);
    expect(l.versions.find((v) => v.version === '1.1.0')?.launch_count).toBe(1);

    // A second launch the same day is reported, and not counted again.
    const again = await b('launch', 'python-ml', 'from-alice-2');
    expect(again.json.launch_report).toMatchObject({ counted: false, launch_count: 1 });
    expect(again.json.counted_by).toBeNull();

    // The resolve answer carries both counts too.
    const r = resolveResult.parse(
      (await request(reg.url).get('/api/v1/resolve/python-ml?region=us-east-1&count=false&channel=stable')).body,
    );
    expect(r.listing).toMatchObject({ ref: 'alice/lab', download_count: 2, launch_count: 1 });
  });

  it('B rates after launching: the rating carries "launched it"; C never launched it: no mark', {
    timeout: 120_000,
  }, async () => {
    const rated = await cwsJson(bob)('ami', 'rate', 'alice/lab', '5', '--review', 'came up at once');
    expect(rated.code, rated.stdout + rated.stderr).toBe(0);
    expect(rated.json).toMatchObject({ rating: 5, launched: true });
    const byCarol = await cwsJson(carol)('ami', 'rate', 'alice/lab', '3', '--review', 'only looked');
    expect(byCarol.json).toMatchObject({ rating: 3, launched: false });
    expect((await cwsJson(alice)('ami', 'rate', 'alice/lab', '5')).code).toBe(7);

    const l = await listing();
    expect(l.ratings).toMatchObject({ count: 2, launched_count: 1 });
    const byUser = Object.fromEntries(l.reviews.map((rv) => [rv.user, rv.launched]));
    expect(byUser).toEqual({ bob: true, carol: false });
    const page = await request(reg.url).get('/api/v1/listings/alice/lab/ratings');
    expect(page.body.items.map((rv: { user: string; launched: boolean }) => [rv.user, rv.launched]).sort()).toEqual([
      ['bob', true],
      ['carol', false],
    ]);

    // cws ami info: counts, channels and the mark, for people and under --json.
    const info = await cws(['ami', 'info', 'alice/lab'], { env: carol.env });
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain('2 downloads, 1 launch');
    expect(info.stdout).toContain('channels: stable -> 1.0.0');
    expect(info.stdout).toMatch(/bob \(launched it\): came up at once/);
    expect(info.stdout).toMatch(/carol: only looked/);
    const infoJson = await cwsJson(carol)('ami', 'info', 'alice/lab');
    expect(infoJson.json.listing).toMatchObject({ download_count: 2, launch_count: 1 });

    // The web pages: singular and plural right, the mark on bob's review only.
    const html = (await request(reg.url).get('/l/alice/lab')).text;
    expect(html).toContain('<li id="downloads">2 downloads</li>');
    expect(html).toContain('<li id="launches">1 launch</li>');
    expect(html).toContain('1 from people who launched it');
    const reviews = html
      .split('<li class="card">')
      .filter((c) => c.includes('class="review-text"') || /<strong>(bob|carol)<\/strong>/.test(c));
    const cardOf = (who: string) => reviews.find((c) => c.includes(`<strong>${who}</strong>`)) ?? '';
    expect(cardOf('bob')).toContain('launched it');
    expect(cardOf('carol')).toContain('only looked');
    expect(cardOf('carol')).not.toContain('launched it');
    expect(html).toContain('channel stable');
    const catalogue = (await request(reg.url).get('/?q=lab')).text;
    expect(catalogue).toContain('2 downloads · 1 launch');
  });

  it('the owner reads the audit log, paged; others may not', { timeout: 60_000 }, async () => {
    const a = cwsJson(alice);
    const firstPage = await a('ami', 'audit', 'alice/lab', '--limit', '3');
    expect(firstPage.code, firstPage.stdout + firstPage.stderr).toBe(0);
    expect(firstPage.json.items).toHaveLength(3);
    expect(firstPage.json.next_cursor).toEqual(expect.any(String));
    const rest = await a('ami', 'audit', 'alice/lab', '--limit', '100', '--cursor', firstPage.json.next_cursor);
    const actions = [...firstPage.json.items, ...rest.json.items].map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'listing.publish',
        'version.add',
        'listing.visibility',
        'channel.set',
        'channel.delete',
        'rating.create',
      ]),
    );
    const channelSet = [...firstPage.json.items, ...rest.json.items].find(
      (e: { action: string; target: string }) => e.action === 'channel.set' && e.target === 'alice/lab#stable',
    );
    expect(channelSet).toMatchObject({ actor: 'alice', details: { version: '1.0.0' } });
    const human = await cws(['ami', 'audit', 'alice/lab', '--limit', '2'], { env: alice.env });
    expect(human.stdout).toMatch(/More: cws ami audit alice\/lab --cursor \S+/);
    expect((await cwsJson(carol)('ami', 'audit', 'alice/lab')).code).toBe(7);
    expect((await cwsJson(carol)('ami', 'audit', 'alice/nothing')).code).toBe(4);
  });

  it("cws ami share of someone else's image says it cannot share, not publish", { timeout: 60_000 }, async () => {
    const shared = await cwsJson(bob)('ami', 'share', ami.one!, '210987654321', '--region', 'us-east-1');
    expect(shared.code).toBe(7);
    expect(shared.json.error.code).toBe('not_owner');
    expect(shared.json.error.message).toMatch(/^cannot share:/);
    expect(shared.json.error.message).toContain('only the owner can share it');
    expect(shared.json.error.message).not.toContain('publish');
    const byOwner = await cwsJson(alice)('ami', 'share', ami.one!, '210987654321', '--region', 'us-east-1');
    expect(byOwner.code, byOwner.stdout + byOwner.stderr).toBe(0);
    expect(emu.getImage('us-east-1', ami.one!)?.launchPermissions).toContain('210987654321');
  });

  it('a channel onto a revoked version is a conflict (409, exit 11), not a bug', { timeout: 60_000 }, async () => {
    const a = cwsJson(alice);
    const revoked = await a('ami', 'revoke', 'alice/lab', '1.0.0', '--reason', 'superseded', '--yes');
    expect(revoked.code, revoked.stdout + revoked.stderr).toBe(0);
    const onto = await a('ami', 'channel', 'set', 'alice/lab', 'beta', '1.0.0');
    expect(onto.code).toBe(11);
    expect(onto.json.error).toMatchObject({ code: 'conflict', exit: 11 });
    expect(onto.json.error.message).toContain('revoked');
  });
});

describe('what cws sends: count=false for looks, and a launch report that fails only warns', () => {
  it('resolve counts, --explain and launch --dry-run do not; a refused report leaves the launch running', {
    timeout: 120_000,
  }, async () => {
    const image = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'flaky-lab', public: true });
    const answer = {
      ami_id: image,
      region: 'us-east-1',
      architecture: 'x86_64',
      template: 'python-ml',
      listing: {
        ref: 'alice/lab',
        owner: 'alice',
        name: 'lab',
        rating: { average: 0, count: 0 },
        download_count: 0,
        verified: false,
      },
      version: { version: '1.1.0', status: 'active', channel: null },
      verification: { status: 'unverified', reason: null, checked_at: null },
      scan: null,
      reason: 'the only one',
      warnings: [],
    };
    const fake = await startFake((req, res) => {
      const ok = req.method === 'GET' && req.url?.startsWith('/api/v1/resolve/');
      res.writeHead(ok ? 200 : 500, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? answer : { error: { code: 'internal', message: 'launch counter on fire' } }));
    });
    const box = awsSandbox(emu.url, B);
    try {
      await addRegistry(box, 'flaky', fake.url);
      const run = cwsJson(box);
      const counts = () =>
        fake.hits
          .filter((h) => h.url.startsWith('/api/v1/resolve/'))
          .map((h) => new URL(h.url, fake.url).searchParams.get('count'));
      expect((await run('ami', 'resolve', 'python-ml', '--no-cache')).code).toBe(0);
      expect((await run('ami', 'resolve', 'python-ml', '--no-cache', '--explain')).code).toBe(0);
      expect((await run('launch', 'python-ml', 'flaky-dry', '--dry-run')).code).toBe(0);
      expect(counts()).toEqual([null, 'false', 'false']);
      expect(fake.hits.filter((h) => h.url === '/api/v1/launches')).toEqual([]);

      const launched = await run('launch', 'python-ml', 'flaky-box');
      expect(launched.code, launched.stdout + launched.stderr).toBe(0);
      expect(launched.json).toMatchObject({ state: 'running', ami_id: image, counted_by: null, launch_report: null });
      expect(launched.json.warnings).toEqual(
        expect.arrayContaining([expect.stringMatching(/^the launch was not reported: .*flaky/)]),
      );
      expect(counts().at(-1)).toBeNull();
      expect(fake.hits.filter((h) => h.method === 'POST' && h.url === '/api/v1/launches').length).toBeGreaterThan(0);
      expect(emu.listInstances('us-east-1').find((i) => i.instanceId === launched.json.instance_id)?.state).toBe(
        'running',
      );
    } finally {
      box.cleanup();
      await fake.close();
    }
  });
});
