import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DEFAULT_ATTRIBUTES, type SamlConfig } from '@cws/registry-server';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI_BIN, cws, type Sandbox, sandbox } from '../cli/run-cws.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { freePort, IDP_AVAILABLE, type SimpleSamlIdp, startSimpleSamlIdp } from '../helpers/simplesamlphp.js';
import { BROWSER_AVAILABLE, launchChromium } from './browser.js';

const GRACE = {
  username: 'grace',
  password: 'grace-pass',
  attributes: {
    eduPersonPrincipalName: ['grace@example.edu'],
    displayName: ['Grace Hopper'],
    mail: ['grace@example.edu'],
    eduPersonAffiliation: ['staff'],
  },
};

/** SimpleSAMLphp's exampleauth login form. */
async function signInAtIdp(page: Page, user: { username: string; password: string }) {
  await page.waitForSelector('input[name=username]');
  await page.fill('input[name=username]', user.username);
  await page.fill('input[name=password]', user.password);
  await page.locator('form button[type=submit], form input[type=submit]').first().click();
}

describe.skipIf(!IDP_AVAILABLE || !BROWSER_AVAILABLE)('SAML in Chromium through SimpleSAMLphp', () => {
  let idp: SimpleSamlIdp;
  let reg: TestRegistry;
  let browser: Browser;
  let base: string;
  const problems: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    idp = await startSimpleSamlIdp({
      spEntityId: `${base}/saml/metadata`,
      acsUrl: `${base}/saml/acs`,
      sloUrl: `${base}/saml/logout/callback`,
      users: [GRACE],
    });
    const saml: SamlConfig = {
      spEntityId: null,
      spKeyFile: null,
      spCertFile: null,
      clockSkewSeconds: 60,
      wantResponseSigned: false,
      idps: [
        {
          id: 'campus',
          label: 'Example University',
          metadata: idp.metadataUrl,
          organisation: 'example-uni',
          attributes: DEFAULT_ATTRIBUTES,
          roles: [
            { role: 'publisher', values: ['staff'] },
            { role: 'member', values: ['*'] },
          ],
          idpInitiated: false,
        },
      ],
    };
    reg = await startRegistry({
      config: { http: { host: '127.0.0.1', port, publicUrl: base, bodyLimit: '256kb', trustProxy: false }, saml },
    });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await reg?.close();
    await idp?.stop();
  });

  const newPage = async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' && m.location().url.startsWith(base)) problems.push(`${page.url()}: ${m.text()}`);
    });
    return { context, page };
  };

  it('signs in with "Sign in with Example University" and out again at both ends (single logout)', async () => {
    const { context, page } = await newPage();
    await page.goto(`${base}/login`);
    await page.getByRole('link', { name: 'Sign in with Example University' }).click();
    await page.waitForURL((u) => u.port === String(idp.port));
    await signInAtIdp(page, GRACE);
    // SimpleSAMLphp's page posts the response to the ACS by script; the registry sends us home.
    await page.waitForURL(`${base}/`);
    expect(await page.locator('.who').textContent()).toContain('grace');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/`);
    expect(await page.getByRole('link', { name: 'Sign in' }).count()).toBe(1);
    // The IdP's session ended too: signing in again asks for the password.
    await page.goto(`${base}/saml/login/campus`);
    await page.waitForSelector('input[name=username]');
    await context.close();
    expect(problems).toEqual([]);
  });

  it('cws login --sso completes when the person approves in the browser; cws logout revokes the token', async () => {
    assertBuilt();
    const box: Sandbox = sandbox();
    try {
      expect((await cws(['registry', 'add', 'campus', base, '--json'], { env: box.env })).code).toBe(0);
      const child: ChildProcess = spawn(
        process.execPath,
        [CLI_BIN, 'login', '--sso', '--registry', 'campus', '--json'],
        {
          env: box.env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => {
        stdout += d;
      });
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL from cws: ${stderr}`)), 30_000);
        child.stderr!.on('data', (d) => {
          stderr += d;
          const m = /Open (\S+)/.exec(stderr);
          // Both lines: the URL and the code to check may arrive in separate chunks.
          if (m && /the code [A-Z]{4}-[A-Z]{4}/.test(stderr)) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      const shownCode = /the code ([A-Z]{4}-[A-Z]{4})/.exec(stderr)?.[1];
      expect(url).toBe(`${base}/device?code=${shownCode}`);
      const exited = new Promise<number | null>((resolve) => child.once('close', resolve));

      const { context, page } = await newPage();
      await page.goto(url);
      // Not signed in yet: the institution's button, which comes back to this page.
      await page.getByRole('link', { name: 'Sign in with Example University' }).click();
      await page.waitForURL((u) => u.port === String(idp.port));
      await signInAtIdp(page, GRACE);
      await page.waitForURL(url);
      expect(await page.locator('#device-code').textContent()).toBe(shownCode);
      await page.locator('#device-approve').click();
      await page.waitForSelector('#device-result');
      expect(await page.locator('#device-result').textContent()).toContain('Go back to the terminal');
      await context.close();

      expect(await exited).toBe(0);
      const result = JSON.parse(stdout);
      expect(result).toMatchObject({ registry: 'campus', handle: 'grace', display_name: 'Grace Hopper' });
      const stored = JSON.parse(readFileSync(box.configFile, 'utf8')).registries[0];
      expect(stored.handle).toBe('grace');
      const token = stored.token as string;
      expect((await request(base).get('/api/v1/me').set('Authorization', `Bearer ${token}`)).status).toBe(200);

      const out = await cws(['logout', '--registry', 'campus', '--json'], { env: box.env });
      expect(out.code).toBe(0);
      expect(out.json).toMatchObject({ registry: 'campus', revoked: 'revoked', forgotten: true });
      expect(JSON.parse(readFileSync(box.configFile, 'utf8')).registries[0].token).toBeUndefined();
      expect((await request(base).get('/api/v1/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    } finally {
      box.cleanup();
    }
  });
});
