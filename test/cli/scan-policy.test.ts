import AxeBuilder from '@axe-core/playwright';
import { type AwsEmulator, DEFAULT_ACCOUNTS, startEmulator } from '@cws/aws-emulator';
import { listingDetail } from '@cws/shared';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../helpers/api.js';
import type { TestRegistry } from '../helpers/registry.js';
import { REGISTRY_ACCOUNT, startScanningRegistry, waitScanned } from '../helpers/scans.js';
import { BROWSER_AVAILABLE, launchChromium } from '../web/browser.js';
import { assertBuilt, cws, type Sandbox } from './run-cws.js';
import { addRegistry, awsSandbox, cwsJson, writeTemplate } from './seed.js';

// Issue 10 end to end through the built binary: cws ami publish -> the registry's scan job
// launches a scan instance in the emulator -> findings stored -> listing detail, web page and
// cws ami findings show them -> resolve under max_severity=high in warn and block modes (the
// template's ami_config.policy, flags over it) -> an exception makes it resolvable until it expires.
const { A } = DEFAULT_ACCOUNTS;
let emu: AwsEmulator;
let reg: TestRegistry;
let box: Sandbox;
let browser: Browser | undefined;
let ami: string;

// A template whose policy blocks images with findings above high; no EC2 search, and no setup
// script fallback, so a blocked registry image is exit 5 (no image, ami_required).
const TEMPLATE = `name: scan-e2e
description: scan policy end to end
ami_config:
  strategy: ami_required
  policy:
    max_severity: high
    severity_mode: block
`;

beforeAll(async () => {
  assertBuilt();
  emu = await startEmulator({
    seedCanonical: false,
    accounts: [A, REGISTRY_ACCOUNT],
    instanceTransitionMs: 100,
    inspectorScanAfterMs: 300,
    inspectorEnabled: [REGISTRY_ACCOUNT.accountId],
  });
  reg = await startScanningRegistry(emu);
  const alice = await createUser(reg, 'alice');
  box = awsSandbox(emu.url, A);
  await addRegistry(box, 'community', reg.url);
  const login = await cwsJson(box)('login', '--registry', 'community', '--token', alice);
  expect(login.code, login.stderr).toBe(0);
  writeTemplate(box, 'scan-e2e', TEMPLATE);
  ami = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'lab', public: false });
  // Findings through the emulator's documented control endpoint: Inspector reports them for
  // instances of this AMI once it has scanned one (not for the AMI itself: a scan instance runs).
  const seeded = await fetch(`${emu.url}/_emulator/findings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      image_id: ami,
      region: 'us-east-1',
      findings: [
        {
          vulnerability_id: 'CVE-2026-7001',
          severity: 'CRITICAL',
          package_name: 'openssl',
          installed_version: '3.0.2',
          fixed_version: '3.0.3',
        },
        { vulnerability_id: 'GHSA-4f5g-6h7j-8m9p', severity: 'MEDIUM', package_name: 'zlib', installed_version: '1.2' },
      ],
    }),
  });
  expect(seeded.status).toBe(200);
  if (BROWSER_AVAILABLE) browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  box?.cleanup();
  await reg?.close();
  await emu?.close();
});

describe('publish, scan, see, resolve under policy, accept', () => {
  it('runs the whole flow', { timeout: 300_000 }, async () => {
    const run = cwsJson(box);
    const t0 = performance.now();
    const pub = await run(
      'ami',
      'publish',
      ami,
      '--region',
      'us-east-1',
      '--name',
      'alice/lab',
      '--template',
      'scan-e2e',
      '--public',
      '--skip-hygiene',
    );
    expect(pub.code, pub.stdout + pub.stderr).toBe(0);
    const publishedMs = performance.now() - t0;
    const history = await waitScanned(reg, 'alice/lab', '1.0.0');
    const scannedMs = performance.now() - t0;
    // The full path: a scan instance (no GetImageFindings for this AMI), terminated afterwards.
    expect(history.items[0]).toMatchObject({
      scanner: 'inspector2',
      status: 'complete',
      counts: { critical: 1, medium: 1, high: 0 },
    });
    expect(emu.listInstances('us-east-1').filter((i) => i.state === 'running')).toEqual([]);
    console.info(`cws ami publish: ${Math.round(publishedMs)} ms; publish -> scan stored: ${Math.round(scannedMs)} ms`);

    const detail = listingDetail.parse((await request(reg.url).get('/api/v1/listings/alice/lab')).body);
    expect(detail.versions[0]!.regions[0]!.scan).toMatchObject({ status: 'complete', highest: 'critical' });
    const findings = await run('ami', 'findings', 'alice/lab');
    expect(findings.json.findings.map((f: { vulnerability_id: string }) => f.vulnerability_id)).toEqual([
      'CVE-2026-7001',
      'GHSA-4f5g-6h7j-8m9p',
    ]);

    // Warn mode (a flag over the template's block): resolved, saying what was found.
    const warned = await run('ami', 'resolve', 'scan-e2e', '--region', 'us-east-1', '--severity-mode', 'warn');
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.json).toMatchObject({ ami_id: ami, resolution_method: 'registry' });
    expect(warned.json.warnings.join('\n')).toMatch(/1 critical finding\(s\) above max_severity high \(warn mode/);

    // Block mode (the template's policy): passed over, and --explain says which and why.
    const blocked = await cws(['ami', 'resolve', 'scan-e2e', '--region', 'us-east-1', '--explain'], {
      env: box.env,
      timeoutMs: 90_000,
    });
    expect(blocked.code, blocked.stdout + blocked.stderr).toBe(5);
    expect(blocked.stderr).toMatch(
      /Passed over by the policy:\n {2}community: alice\/lab@1\.0\.0 ami-\w+: latest scan found 1 critical/,
    );
    const launch = await run('launch', 'scan-e2e', 'box1', '--region', 'us-east-1', '--dry-run');
    expect(launch.code, launch.stdout + launch.stderr).toBe(5);

    // The owner accepts the critical finding for the listing: resolvable, shown as accepted.
    const added = await run(
      'ami',
      'exception',
      'add',
      'CVE-2026-7001',
      '--listing',
      'alice/lab',
      '--reason',
      'openssl is not used by anything in the image',
      '--expires',
      '1h',
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.json).toMatchObject({ scope: 'listing', author: 'alice', state: 'active' });
    const accepted = await run('ami', 'resolve', 'scan-e2e', '--region', 'us-east-1');
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.json.ami_id).toBe(ami);
    const marked = await run('ami', 'findings', 'alice/lab');
    expect(marked.json.findings[0].accepted).toMatchObject({ by: 'alice', scope: 'listing' });
    const listed = await run('ami', 'exception', 'list', '--listing', 'alice/lab');
    expect(listed.json.exceptions.map((e: { vulnerability_id: string }) => e.vulnerability_id)).toEqual([
      'CVE-2026-7001',
    ]);

    // The web page: severity bar, scanned-at, the table with links, accepted marked, the filter.
    if (browser) {
      const page = await browser.newPage();
      await page.goto(`${reg.url}/l/alice/lab`);
      expect(await page.locator('#severity-bar').getAttribute('aria-label')).toBe(
        'Findings by severity: 1 critical, 0 high, 1 medium, 0 low, 0 informational',
      );
      expect(await page.locator('#scan-status').innerText()).toMatch(
        /1 of 1 images scanned, latest on \d{4}-\d{2}-\d{2}/,
      );
      const rows = page.locator('#findings-table tbody tr');
      expect(await rows.count()).toBe(2);
      expect(await rows.nth(0).innerText()).toMatch(
        /critical\s+accepted[\s\S]*CVE-2026-7001[\s\S]*Accepted for this listing by alice/,
      );
      expect(await page.getByRole('link', { name: 'CVE-2026-7001' }).getAttribute('href')).toBe(
        'https://nvd.nist.gov/vuln/detail/CVE-2026-7001',
      );
      expect(await page.getByRole('link', { name: 'GHSA-4f5g-6h7j-8m9p' }).getAttribute('href')).toBe(
        'https://github.com/advisories/GHSA-4f5g-6h7j-8m9p',
      );
      await page
        .getByRole('navigation', { name: 'Filter findings by severity' })
        .getByRole('link', { name: 'medium' })
        .click();
      await page.waitForURL(/severity=medium/);
      expect(await page.locator('#findings-table tbody tr').count()).toBe(1);
      await page.close();
    }

    // The exception expires (the clock moved on): blocked again.
    await reg.database.db
      .updateTable('vulnerability_exceptions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .execute();
    await reg.server.ctx.cache.invalidate('clock moved');
    const expired = await run('ami', 'resolve', 'scan-e2e', '--region', 'us-east-1');
    expect(expired.code).toBe(5);
    console.info(`whole flow: ${Math.round(performance.now() - t0)} ms`);
  });
});
