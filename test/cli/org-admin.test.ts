import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { assertBuilt, cws, type Sandbox, sandbox } from './run-cws.js';
import { addRegistry } from './seed.js';

/** cws org ... and cws admin ... against a real registry, through the built binary. */
let reg: TestRegistry;
let upstream: TestRegistry;
const boxes: Record<string, Sandbox> = {};

async function boxFor(name: string, token: string) {
  const box = sandbox();
  await addRegistry(box, 'campus', reg.url);
  const login = await cws(['login', '--registry', 'campus', '--token', token, '--json'], { env: box.env });
  expect(login.code, login.stderr).toBe(0);
  boxes[name] = box;
}
const as =
  (who: string) =>
  (...args: string[]) =>
    cws([...args, '--json'], { env: boxes[who]!.env });

beforeAll(async () => {
  assertBuilt();
  reg = await startRegistry();
  upstream = await startRegistry();
  await boxFor('admin', reg.adminToken);
  await boxFor('ada', await createUser(reg, 'ada'));
  await boxFor('ben', await createUser(reg, 'ben'));
  await publish(upstream, await createUser(upstream, 'carol'), publishBody('shared-env'));
}, 120_000);
afterAll(async () => {
  for (const b of Object.values(boxes)) b.cleanup();
  await Promise.all([reg?.close(), upstream?.close()]);
});

describe('cws org', () => {
  it('creates an organisation, manages members and shows them', async () => {
    const created = await as('admin')('org', 'create', 'physics', '--display-name', 'Physics', '--admin', 'ada');
    expect(created.code, created.stderr).toBe(0);
    expect(created.json.member_list).toEqual([expect.objectContaining({ handle: 'ada', role: 'admin' })]);
    // Only registry admins create organisations: exit 7 (not allowed).
    expect((await as('ada')('org', 'create', 'chem')).code).toBe(7);
    const set = await as('ada')('org', 'member', 'physics', 'ben', '--role', 'publisher');
    expect(set.code, set.stderr).toBe(0);
    expect(set.json).toMatchObject({ handle: 'ben', role: 'publisher', removed: false });
    const mine = await as('ben')('org', 'list');
    expect(mine.json).toEqual([expect.objectContaining({ name: 'physics', my_role: 'publisher' })]);
    const shown = await as('ben')('org', 'show', 'physics');
    expect(shown.json.member_list.map((m: { handle: string }) => m.handle)).toEqual(['ada', 'ben']);
    // A publisher cannot change roles; removing without a terminal needs --yes.
    expect((await as('ben')('org', 'member', 'physics', 'ada', '--role', 'member')).code).toBe(7);
    const noTty = await as('ada')('org', 'member', 'physics', 'ben', '--remove');
    expect(noTty.code).toBe(2);
    expect(noTty.json.error.code).toBe('confirmation_required');
    expect((await as('ada')('org', 'member', 'physics', 'ben')).code).toBe(2);
    expect((await as('ada')('org', 'tokens', 'physics')).json).toEqual([]);
  });
});

describe('cws admin', () => {
  it('lists users, changes roles, disables at once, and reads the audit log', async () => {
    const users = await as('admin')('admin', 'users');
    expect(users.json.items.map((u: { handle: string }) => u.handle)).toEqual(['ada', 'admin', 'ben']);
    const role = await as('admin')('admin', 'user', 'ben', '--role', 'maintainer');
    expect(role.json.role).toBe('maintainer');
    expect((await as('ben')('org', 'list')).code).toBe(0);
    const off = await as('admin')('admin', 'user', 'ben', '--disable', '--yes');
    expect(off.code, off.stderr).toBe(0);
    expect(off.json.disabled_at).toBeTruthy();
    // Ben's stored token stops working on the next call.
    const refused = await as('ben')('org', 'list');
    expect(refused.code).toBe(7);
    expect((await as('admin')('admin', 'user', 'ben', '--enable')).json.disabled_at).toBeNull();
    expect((await as('ben')('org', 'list')).code).toBe(0);
    const log = await as('admin')('admin', 'audit', '--action', 'user.');
    expect(log.json.items.map((e: { action: string }) => e.action).slice(0, 3)).toEqual([
      'user.enable',
      'user.disable',
      'user.role',
    ]);
    expect((await as('ada')('admin', 'audit', '--org', 'physics')).json.items[0].action).toBe('org.member.add');
    expect((await as('ada')('admin', 'users')).code).toBe(7);
  });

  it('has the registry mirror another one, twice without changes', async () => {
    const first = await as('admin')('admin', 'mirror', upstream.url);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json).toMatchObject({ listings_created: 1, versions_created: 1 });
    const second = await as('admin')('admin', 'mirror', upstream.url);
    expect(second.json).toMatchObject({ listings_created: 0, versions_created: 0, unchanged: 1 });
  });
});
