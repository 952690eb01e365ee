import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { BROWSER_AVAILABLE, launchChromium } from './browser.js';
import { loginLink } from './sign-in.js';

/** Organisation visibility and CWS_REGISTRY_READ=signed-in on the web pages, in Chromium. */
let browser: Browser;
let open: TestRegistry;
let closed: TestRegistry;
const t: Record<string, string> = {};
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

async function signIn(reg: TestRegistry, page: Page, token: string, handle: string) {
  const { url } = await loginLink(reg, token);
  await page.goto(url);
  await page.getByRole('button', { name: `Sign in as ${handle}` }).click();
  await page.waitForURL(`${reg.url}/`);
}

beforeAll(async () => {
  if (!BROWSER_AVAILABLE) return;
  browser = await launchChromium();
  open = await startRegistry();
  closed = await startRegistry({ config: { access: { read: 'signed-in' } } });
  t.ada = await createUser(open, 'ada');
  t.eve = await createUser(open, 'eve');
  await request(open.url)
    .post('/api/v1/orgs')
    .set(auth(open.adminToken))
    .send({ name: 'physics', admins: ['ada'] });
  await publish(open, t.ada, {
    ...publishBody('inside-job', { visibility: 'org', description: 'only for physics' }),
    org: 'physics',
  });
  await publish(open, t.ada, publishBody('open-env', { description: 'for everyone' }));
  t.reader = await createUser(closed, 'reader');
  await publish(closed, t.reader, publishBody('campus-env', { description: 'campus only' }));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([open?.close(), closed?.close()]);
});

describe.skipIf(!BROWSER_AVAILABLE)('organisation listings and signed-in registries in Chromium', () => {
  it('shows an org listing to members only, in the catalogue and on its page', async () => {
    const anon = await browser.newContext();
    const page = await anon.newPage();
    await page.goto(open.url);
    await expect.poll(() => page.locator('main').innerText()).toContain('open-env');
    expect(await page.locator('main').innerText()).not.toContain('inside-job');
    const hidden = await page.goto(`${open.url}/l/physics/inside-job`);
    expect(hidden?.status()).toBe(404);
    await anon.close();

    const member = await browser.newContext();
    const mp = await member.newPage();
    await signIn(open, mp, t.ada!, 'ada');
    await expect.poll(() => mp.locator('main').innerText()).toContain('inside-job');
    const shown = await mp.goto(`${open.url}/l/physics/inside-job`);
    expect(shown?.status()).toBe(200);
    expect(await mp.locator('#visibility-note').innerText()).toContain('Visible only to members of physics');
    await member.close();

    const outsider = await browser.newContext();
    const op = await outsider.newPage();
    await signIn(open, op, t.eve!, 'eve');
    expect(await op.locator('main').innerText()).not.toContain('inside-job');
    expect((await op.goto(`${open.url}/l/physics/inside-job`))?.status()).toBe(404);
    await outsider.close();
  });

  it('sends anonymous visitors of a signed-in registry to the sign-in page, and shows the catalogue after sign-in', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const first = await page.goto(`${closed.url}/l/reader/campus-env`);
    expect(first?.status()).toBe(401);
    expect(await page.locator('#sign-in-required').innerText()).toMatch(/signed-in users only/);
    expect(await page.content()).not.toContain('campus only');
    await signIn(closed, page, t.reader!, 'reader');
    await expect.poll(() => page.locator('main').innerText()).toContain('campus-env');
    expect((await page.goto(`${closed.url}/l/reader/campus-env`))?.status()).toBe(200);
    await ctx.close();
  });
});
