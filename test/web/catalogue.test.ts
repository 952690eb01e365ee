import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { ARTIFACTS, BROWSER_AVAILABLE, launchChromium } from './browser.js';
import { loginLink } from './sign-in.js';

let reg: TestRegistry;
let browser: Browser;
let rosalind: string;
/** Console errors and CSP violations seen on any page: our pages must not trip our own policy. */
const problems: string[] = [];

const LISTING = '/l/ml-commons/pytorch-cuda';

async function rateByApi(token: string, path: string, rating: number, review?: string) {
  const res = await request(reg.url)
    .put(`/api/v1/listings${path.slice(2)}/rating`)
    .set('Authorization', `Bearer ${token}`)
    .send({ rating, review });
  expect(res.status).toBe(200);
}

async function newPage(
  options: Parameters<Browser['newContext']>[0] = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  page.on('console', (m) => {
    // The 404 page is meant to answer 404; Chromium logs that as an error.
    if (m.type() === 'error' && !page.url().endsWith('/no/such/page')) problems.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
  return { context, page };
}

/** The trimmed text of the first match, once it is there. */
const expectText = async (page: Page, selector: string, text: string | RegExp) => {
  await page.locator(selector).first().waitFor();
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a person reads (no sr-only text)
  const value = (await page.locator(selector).first().innerText()).trim();
  if (typeof text === 'string') expect(value).toBe(text);
  else expect(value).toMatch(text);
};

/** Signs the page's browser in through a one-time link, as a person would after `cws web login`. */
async function signInThroughLink(page: Page, token: string, handle: string) {
  const { url } = await loginLink(reg, token);
  await page.goto(url);
  await page.getByRole('button', { name: `Sign in as ${handle}` }).click();
  await page.waitForURL(`${reg.url}/`);
  await expectText(page, '.who', `Signed in as ${handle}`);
}

beforeAll(async () => {
  browser = await launchChromium();
  // The demo's listings without their ratings: this test's raters are the only ones.
  reg = await startRegistry({ demo: 'listings' });
  rosalind = await createUser(reg, 'rosalind');
  // Two earlier raters: 5 and 4 stars, so the average visibly moves when rosalind rates.
  await rateByApi(await createUser(reg, 'ada'), LISTING, 5, 'Fast to launch; CUDA just works on g5.');
  await rateByApi(await createUser(reg, 'grace'), LISTING, 4, 'Good, but conda env is large.');
  await rateByApi(await createUser(reg, 'katherine'), '/l/rstats-uni/rstudio-tidyverse', 5);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await reg?.close();
});

describe.skipIf(!BROWSER_AVAILABLE)('web catalogue in Chromium', () => {
  it('searches, facets to a listing, signs in by link, rates, edits the review and signs out', async () => {
    const { context, page } = await newPage();
    await page.goto(reg.url);
    await page.fill('#q', 'pytorch');
    await page.press('#q', 'Enter');
    await page.waitForURL(/\?q=pytorch$/); // the script leaves empty filters out of the URL
    await page.selectOption('select[name=architecture]', 'x86_64');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/\?q=pytorch&architecture=x86_64$/);
    await page.getByRole('link', { name: 'ml-commons/pytorch-cuda' }).click();
    await page.waitForURL(`${reg.url}${LISTING}`);
    await expectText(page, '#average', '4.5');
    await expectText(page, '#rating-count', '2 ratings');

    await signInThroughLink(page, rosalind, 'rosalind');
    await page.goto(`${reg.url}${LISTING}`);
    await page.locator('.rate-input label').nth(1).click(); // 2 stars
    await page.fill('#review', 'Driver mismatch on p4d for me.');
    await page.getByRole('button', { name: 'Save rating' }).click();
    await page.waitForURL(/\?rated=1#reviews$/);
    await expectText(page, '[role=status]', 'Thanks: your rating is saved.');
    await expectText(page, '#average', '3.7'); // (5 + 4 + 2) / 3
    await expectText(page, '#rating-count', '3 ratings');
    await expectText(page, '.reviews li:first-child .review-text', 'Driver mismatch on p4d for me.');

    // Edit: the form comes back filled in with the current rating and review.
    await expectText(page, '#rate h3', 'Edit your rating');
    expect(await page.locator('input[name=rating][value="2"]').isChecked()).toBe(true);
    expect(await page.inputValue('#review')).toBe('Driver mismatch on p4d for me.');
    await page.locator('.rate-input label').nth(4).click(); // 5 stars
    await page.fill('#review', 'Fixed by the 2.4.1 image: works on p4d now.');
    await page.getByRole('button', { name: 'Update rating' }).click();
    await page.waitForURL(/\?rated=1#reviews$/);
    await expectText(page, '#average', '4.7'); // (5 + 4 + 5) / 3
    await expectText(page, '#rating-count', '3 ratings');
    await expectText(page, '.reviews li:first-child .review-text', 'Fixed by the 2.4.1 image: works on p4d now.');
    expect(await page.locator('.reviews li').count()).toBe(3);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${reg.url}/`);
    expect(await page.getByRole('link', { name: 'Sign in', exact: true }).count()).toBe(1);
    await page.goto(`${reg.url}${LISTING}`);
    expect(await page.locator('form#rate').count()).toBe(0);
    await context.close();
  }, 90_000);

  it('shows a review containing <script> as text, and runs none of it', async () => {
    const mallory = await createUser(reg, 'mallory');
    const evil = '<script>window.__pwned = 1</script><b>bold?</b>';
    await rateByApi(mallory, '/l/julia-lab/julia-sciml', 1, evil);
    const { context, page } = await newPage();
    await page.goto(`${reg.url}/l/julia-lab/julia-sciml`);
    await expectText(page, '.reviews .review-text', evil);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('.reviews b').count()).toBe(0);
    await context.close();
  }, 60_000);

  it('reaches the search box and the rating control with the keyboard alone', async () => {
    const { context, page } = await newPage();
    await page.goto(reg.url);
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLInputElement | null;
        return el ? `${el.tagName.toLowerCase()}#${el.id}[${el.name ?? ''}]${el.value ?? ''}` : '';
      });
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('a#[]undefined'.replace('undefined', '')); // the skip link comes first
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    let tabs = 1;
    while (!(await focused()).startsWith('input#q') && tabs < 20) {
      await page.keyboard.press('Tab');
      tabs += 1;
    }
    expect(await focused()).toMatch(/^input#q/);
    await page.keyboard.type('rstudio');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\?q=rstudio$/);
    expect(await page.locator('.results .card').count()).toBeGreaterThan(0);

    await signInThroughLink(page, await createUser(reg, 'keyboard'), 'keyboard');
    await page.goto(`${reg.url}/l/rstats-uni/rstudio-tidyverse`);
    tabs = 0;
    while (!(await focused()).startsWith('input#[rating]') && tabs < 80) {
      await page.keyboard.press('Tab');
      tabs += 1;
    }
    expect(await focused()).toBe('input#[rating]1');
    await page.keyboard.press('Space'); // 1 star
    await page.keyboard.press('ArrowRight'); // 2 stars
    await page.keyboard.press('ArrowRight'); // 3 stars
    expect(await focused()).toBe('input#[rating]3');
    // The focused star shows a focus ring on its label.
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!.closest('label')!).outlineStyle);
    expect(outline).toBe('solid');
    await page.keyboard.press('Tab');
    expect(await focused()).toMatch(/^textarea#review/);
    await page.keyboard.type('Tabbed all the way here.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\?rated=1#reviews$/);
    await expectText(page, '.reviews li:first-child .review-text', 'Tabbed all the way here.');
    const detail = (await request(reg.url).get('/api/v1/listings/rstats-uni/rstudio-tidyverse')).body;
    expect(detail.rating).toEqual({ average: 4, count: 2 }); // katherine's 5 and this 3
    await context.close();
  }, 90_000);

  it('works without JavaScript: search, open a listing, no dead copy buttons', async () => {
    const { context, page } = await newPage({ javaScriptEnabled: false });
    await page.goto(reg.url);
    await page.fill('#q', 'genomics');
    await page.press('#q', 'Enter');
    await page.waitForURL(/\?q=genomics/);
    await page.locator('.results a').first().click();
    await page.waitForURL(/\/l\/genomics-core\//);
    expect(await page.locator('button[data-copy]:visible').count()).toBe(0);
    expect(await page.locator('table code').count()).toBeGreaterThan(0);
    await context.close();
  }, 60_000);

  it('passes an axe-core scan (no serious or critical violations) in light and dark mode', async () => {
    const signedIn = await newPage();
    await signInThroughLink(signedIn.page, await createUser(reg, 'axe'), 'axe');
    for (const colorScheme of ['light', 'dark'] as const) {
      const anonymous = await newPage({ colorScheme });
      await signedIn.page.emulateMedia({ colorScheme });
      const pages = [
        [anonymous.page, '/'],
        [anonymous.page, LISTING],
        [signedIn.page, LISTING],
        // The rest share the layout: once, in light mode, is enough.
        ...(colorScheme === 'light'
          ? ([
              [anonymous.page, '/?q=python&architecture=x86_64'],
              [signedIn.page, '/my/listings'],
              [anonymous.page, '/login'],
              [anonymous.page, '/no/such/page'],
            ] as const)
          : []),
      ] as const;
      for (const [page, path] of pages) {
        await page.goto(`${reg.url}${path}`);
        const { violations } = await new AxeBuilder({ page }).analyze();
        const bad = violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map(
            (v) => `${colorScheme} ${path}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
          );
        expect(bad).toEqual([]);
      }
      await anonymous.context.close();
    }
    await signedIn.context.close();
  }, 120_000);

  it('saves screenshots of the catalogue and a listing, desktop and phone', async () => {
    const shots: Array<[string, { width: number; height: number }, 'light' | 'dark']> = [
      ['desktop', { width: 1280, height: 900 }, 'light'],
      ['phone', { width: 390, height: 844 }, 'light'],
      ['desktop-dark', { width: 1280, height: 900 }, 'dark'],
    ];
    for (const [name, viewport, colorScheme] of shots) {
      const { context, page } = await newPage({ viewport, colorScheme, isMobile: name === 'phone' });
      await page.goto(reg.url);
      await page.screenshot({ path: join(ARTIFACTS, `catalogue-${name}.png`), fullPage: true });
      await page.goto(`${reg.url}${LISTING}`);
      await page.screenshot({ path: join(ARTIFACTS, `listing-${name}.png`), fullPage: true });
      // Nothing may stick out sideways on a phone.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await context.close();
    }
  }, 60_000);

  it('met no console errors or CSP violations on any page', () => {
    expect(problems).toEqual([]);
  });
});
