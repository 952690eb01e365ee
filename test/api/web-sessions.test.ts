import { sessionInfo } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { hidden, signIn } from '../web/sign-in.js';

let reg: TestRegistry;
beforeAll(async () => {
  reg = await startRegistry();
});
afterAll(() => reg?.close());

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
/** Whether the cookie is a live session: the signed-in home page carries a CSRF token. */
const signedIn = async (cookie: string) =>
  hidden((await request(reg.url).get('/').set('Cookie', cookie)).text, 'csrf') !== null;
const mint = async (token: string, name: string) =>
  (await request(reg.url).post('/api/v1/tokens').set(auth(token)).send({ name })).body as { id: string; token: string };

describe('web sessions follow their origin', () => {
  it('ends a session when the token that made its sign-in link is revoked, and only that one', async () => {
    const root = await createUser(reg, 'sess-a');
    const child = await mint(root, 'for the browser');
    const fromChild = await signIn(reg, child.token);
    const fromRoot = await signIn(reg, root);
    expect(await signedIn(fromChild.cookie)).toBe(true);
    const revoked = await request(reg.url).delete(`/api/v1/tokens/${child.id}`).set(auth(root));
    expect(revoked.status).toBe(200);
    expect(await signedIn(fromChild.cookie)).toBe(false);
    expect(await signedIn(fromRoot.cookie)).toBe(true);
  });

  it('ends a session when its user is disabled', async () => {
    const token = await createUser(reg, 'sess-b');
    const { cookie } = await signIn(reg, token);
    expect(await signedIn(cookie)).toBe(true);
    await reg.database.db
      .updateTable('users')
      .set({ disabled_at: new Date() })
      .where('handle', '=', 'sess-b')
      .execute();
    expect(await signedIn(cookie)).toBe(false);
  });

  it('lets a user list their sessions without secrets and end one by id; others cannot', async () => {
    const token = await createUser(reg, 'sess-c');
    const first = await signIn(reg, token);
    const second = await signIn(reg, token);
    const listed = await request(reg.url).get('/api/v1/me/sessions').set(auth(token));
    expect(listed.status).toBe(200);
    const sessions = listed.body.map((s: unknown) => sessionInfo.strict().parse(s));
    expect(sessions).toHaveLength(2);
    const secrets = [first.cookie, second.cookie].map((c) => c.split('=')[1]!);
    for (const secret of secrets) expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(sessions[0].via).toBe('link');
    expect(sessions[0].token_id).toMatch(/^[0-9]+$/);
    // Newest first: ending sessions[0] ends the second sign-in only.
    const other = await createUser(reg, 'sess-d');
    expect((await request(reg.url).delete(`/api/v1/me/sessions/${sessions[0].id}`).set(auth(other))).status).toBe(404);
    expect(await signedIn(second.cookie)).toBe(true);
    const ended = await request(reg.url).delete(`/api/v1/me/sessions/${sessions[0].id}`).set(auth(token));
    expect(ended.status).toBe(200);
    expect(ended.body.id).toBe(sessions[0].id);
    expect(await signedIn(second.cookie)).toBe(false);
    expect(await signedIn(first.cookie)).toBe(true);
    const again = await request(reg.url).delete(`/api/v1/me/sessions/${sessions[0].id}`).set(auth(token));
    expect(again.status).toBe(404);
    const after = await request(reg.url).get('/api/v1/me/sessions').set(auth(token));
    expect(after.body.map((s: { id: string }) => s.id)).toEqual([sessions[1].id]);
    expect((await request(reg.url).delete('/api/v1/me/sessions/abc').set(auth(token))).status).toBe(400);
    expect((await request(reg.url).get('/api/v1/me/sessions')).status).toBe(401);
  });
});
