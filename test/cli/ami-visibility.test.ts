import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, fakeAmi, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { assertBuilt, cws, type Sandbox, sandbox } from './run-cws.js';
import { addRegistry } from './seed.js';

/** cws ami visibility against a real registry, through the built binary. */
let reg: TestRegistry;
const boxes: Record<string, Sandbox> = {};
const t: Record<string, string> = {};
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

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
  for (const h of ['ada', 'cy', 'dee']) {
    t[h] = await createUser(reg, h);
    await boxFor(h, t[h]);
  }
  const org = await request(reg.url)
    .post('/api/v1/orgs')
    .set(auth(reg.adminToken))
    .send({ name: 'physics', admins: ['ada'] });
  expect(org.status).toBe(201);
  const m = await request(reg.url).put('/api/v1/orgs/physics/members/cy').set(auth(t.ada!)).send({ role: 'member' });
  expect(m.status).toBe(200);
  const body = {
    ...publishBody('lab-env'),
    org: 'physics',
    version: { version: '1.0.0', regions: [{ region: 'us-east-1', ami_id: fakeAmi() }] },
  };
  expect((await request(reg.url).post('/api/v1/listings').set(auth(t.ada!)).send(body)).status).toBe(201);
  expect((await request(reg.url).post('/api/v1/listings').set(auth(t.dee!)).send(publishBody('notes'))).status).toBe(
    201,
  );
}, 120_000);
afterAll(async () => {
  for (const b of Object.values(boxes)) b.cleanup();
  await reg?.close();
});

describe('cws ami visibility', () => {
  it('an org admin makes a listing org-only; a member may not; org on a personal listing is refused', async () => {
    const made = await as('ada')('ami', 'visibility', 'physics/lab-env', 'org');
    expect(made.code, made.stderr).toBe(0);
    expect(made.json).toEqual({ registry: 'campus', listing: 'physics/lab-env', visibility: 'org' });
    expect((await request(reg.url).get('/api/v1/listings/physics/lab-env')).status).toBe(404);
    const byMember = await as('cy')('ami', 'visibility', 'physics/lab-env', 'public');
    expect(byMember.code).toBe(7);
    const personal = await as('dee')('ami', 'visibility', 'dee/notes', 'org');
    expect(personal.code).not.toBe(0);
    expect(JSON.stringify(personal.json)).toMatch(/owned by an organisation/);
    expect((await as('dee')('ami', 'visibility', 'dee/notes', 'hidden')).code).toBe(2);
    const priv = await as('dee')('ami', 'visibility', 'dee/notes', 'private');
    expect(priv.json.visibility).toBe('private');
  });
});
