import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { ARTIFACTS, BROWSER_AVAILABLE, launchChromium } from './browser.js';

/**
 * A first start's demo catalogue in Chromium: every state a newcomer should see (ratings and reviews, downloads,
 * verified / unverified / failed images, deprecated and revoked versions, scan findings, an unrated listing) is on
 * the pages, as a person reads them (rendered text, not markup).
 */
let reg: TestRegistry;
let browser: Browser;
const problems: string[] = [];

beforeAll(async () => {
  if (!BROWSER_AVAILABLE) return;
  browser = await launchChromium();
  reg = await startRegistry({ demo: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await reg?.close();
});

async function open(path: string): Promise<{ page: Page; text: string; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
  const res = await page.goto(`${reg.url}${path}`);
  expect(res?.status(), path).toBe(200);
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a person reads (no sr-only text)
  const text = await page.locator('main').innerText();
  return { page, text, close: () => context.close() };
}

describe.skipIf(!BROWSER_AVAILABLE)('the demo catalogue in Chromium', () => {
  it('the catalogue shows ratings, downloads, verified and unverified listings', async () => {
    const { page, text, close } = await open('/');
    expect(text).toMatch(/Sorted by top rated/i);
    expect(text).toMatch(/4\.6 out of 5 \(7 ratings\)/);
    expect(text).toContain('1,342 downloads');
    expect(text).toContain('Not rated yet');
    expect(text).not.toMatch(/\(s\)|\b1 downloads\b|\b1 ratings\b/);
    // The top of the page is not a wall of "Not rated yet · 0 downloads".
    const firstCard = await page.locator('.results .card').first().innerText();
    expect(firstCard).toMatch(/out of 5/);
    expect(await page.locator('.results .badge', { hasText: '✓ Verified' }).count()).toBeGreaterThanOrEqual(3);
    const unverified = page.locator('.results .card', { hasNotText: '✓ Verified' });
    expect(await unverified.count()).toBeGreaterThanOrEqual(3);
    await page.screenshot({ path: join(ARTIFACTS, 'demo-catalogue.png'), fullPage: true });
    await close();
  }, 60_000);

  it('a listing shows its rating, reviews, verification, scan findings, deprecated and revoked versions', async () => {
    const { page, text, close } = await open('/l/ml-commons/pytorch-cuda');
    expect(text).toMatch(/4\.6\s*★★★★★\s*out of 5/);
    expect(await page.locator('#rating-count').innerText()).toBe('7 ratings');
    expect(text).toContain('Drivers just work on g5.xlarge');
    expect(text).toContain('1,342 downloads');
    expect(text).toMatch(/✓ Verified/);
    expect(text).toMatch(/high/i);
    const versions = page.locator('li.card', { has: page.locator('h3', { hasText: /^v2\./ }) });
    expect(await versions.count()).toBe(3);
    const revoked = page.locator('li.card', { has: page.locator('h3', { hasText: 'v2.4.0' }) });
    expect(await revoked.innerText()).toMatch(/Revoked[\s\S]*SSH host keys were baked into the image/);
    const deprecated = page.locator('li.card', { has: page.locator('h3', { hasText: 'v2.3.0' }) });
    expect(await deprecated.innerText()).toMatch(/Deprecated[\s\S]*superseded by 2\.4\.1/);
    // A newcomer's launch line: get the template the listing carries, then launch.
    expect(await page.locator('#launch-line').innerText()).toContain(
      'cws template fetch ml-commons/pytorch-cuda && cws launch python-ml my-workspace --region us-east-1',
    );
    await page.screenshot({ path: join(ARTIFACTS, 'demo-listing.png'), fullPage: true });
    await close();
  }, 60_000);

  it('other listings show a failed verification, a critical finding, no ratings and a single download', async () => {
    const qgis = await open('/l/geo-lab/qgis-desktop');
    expect(qgis.text).toContain('1 of 2 images verified.');
    expect(qgis.text).toContain('1 failed');
    expect(qgis.text).toContain('InvalidAMIID.NotFound');
    await qgis.close();

    const gatk = await open('/l/genomics-core/gatk-germline');
    expect(gatk.text).toMatch(/critical/i);
    expect(gatk.text).toMatch(/1 critical/);
    await gatk.close();

    const jax = await open('/l/deepmind-fans/jax-tpu-free');
    expect(jax.text).toContain('Not rated yet');
    expect(jax.text).toContain('0 downloads');
    expect(jax.text).toContain('Not verified yet');
    await jax.close();

    const matlab = await open('/l/engineering-it/matlab-byol');
    expect(matlab.text).toContain('1 download');
    expect(matlab.text).not.toContain('1 downloads');
    expect(matlab.text).toMatch(/3\.0 out of 5 \(1 rating\)/);
    expect(await matlab.page.locator('#launch-line').innerText()).toContain(
      'cws template fetch engineering-it/matlab-byol && cws launch matlab my-workspace',
    );
    await matlab.close();
  }, 90_000);

  it('a bad sort is a 400 error page, not the catalogue', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const res = await page.goto(`${reg.url}/?sort=bogus`);
    expect(res?.status()).toBe(400);
    expect(await page.locator('h1').innerText()).toBe('That search did not work');
    expect(await page.locator('.results').count()).toBe(0);
    await context.close();
  }, 60_000);

  it('trips no console error or content-security-policy violation', () => {
    expect(problems.filter((p) => !p.includes('400 (Bad Request)'))).toEqual([]);
  });
});
