import { type AwsEmulator, DEFAULT_ACCOUNTS, startEmulator } from '@cws/aws-emulator';
import { findingsPage, listingDetail, scanHistory } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, publish, publishBody } from '../helpers/api.js';
import { presignCallerIdentity, REGISTRY_ID } from '../helpers/aws.js';
import type { TestRegistry } from '../helpers/registry.js';
import {
  REGISTRY_ACCOUNT,
  scansOf as scansOfRegistry,
  startScanningRegistry,
  waitScanned as waitScannedOn,
} from '../helpers/scans.js';

// Security scans end to end over HTTP against the emulator: publish -> scan job -> findings.
const { A } = DEFAULT_ACCOUNTS;
const REGISTRY = REGISTRY_ACCOUNT;

let emu: AwsEmulator;
let reg: TestRegistry;
let alice: string;
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

async function publishAmi(name: string, ami: string, region = 'us-east-1') {
  const body = publishBody(name, { template: `scan-${name}` });
  body.version.regions = [{ region, architecture: 'x86_64', ami_id: ami }];
  await publish(reg, alice, body);
  return body.version.version;
}

const scansOf = (ref: string, version: string) => scansOfRegistry(reg, ref, version);
const waitScanned = (ref: string, version: string, n = 1) => waitScannedOn(reg, ref, version, n);

beforeAll(async () => {
  emu = await startEmulator({
    seedCanonical: false,
    accounts: [A, REGISTRY],
    instanceTransitionMs: 100,
    inspectorScanAfterMs: 500,
    inspectorEnabled: [REGISTRY.accountId],
  });
  reg = await startScanningRegistry(emu);
  alice = await createUser(reg, 'alice');
  const proof = await request(reg.url)
    .post('/api/v1/auth/aws')
    .set(auth(alice))
    .send(presignCallerIdentity(emu.url, A, { registryId: REGISTRY_ID }));
  expect(proof.status).toBe(200);
});
afterAll(async () => {
  await reg?.close();
  await emu?.close();
});

describe('security scans', () => {
  it('scans a published AMI with a scan instance, stores every finding, pages them and terminates the instance', async () => {
    const ami = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'web', public: true });
    const many = Array.from({ length: 120 }, (_, i) => ({
      severity: (['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const)[i % 4]!,
      title: `CVE-2026-${String(5000 + i)} - pkg${i}`,
      packageName: `pkg${i}`,
      installedVersion: '1.0',
      fixedVersion: i % 3 === 0 ? '1.1' : undefined,
    }));
    emu.addFindings(ami, many, 'us-east-1');
    const version = await publishAmi('web', ami);
    const h = await waitScanned('alice/web', version);
    expect(h.items[0]).toMatchObject({
      scanner: 'inspector2',
      status: 'complete',
      ami_id: ami,
      finding_count: 120,
      counts: { critical: 30, high: 30, medium: 30, low: 30, informational: 0 },
    });
    // The scan instance: launched from the AMI, IMDSv2, no-ingress group, tagged, terminated now.
    const instances = emu.listInstances('us-east-1').filter((i) => i.imageId === ami);
    expect(instances).toHaveLength(1);
    expect(instances[0]).toMatchObject({
      instanceType: 't3.small',
      httpTokens: 'required',
      instanceInitiatedShutdownBehavior: 'terminate',
      tags: { 'cws:scan': expect.stringMatching(/^\d+$/) },
    });
    expect(['shutting-down', 'terminated']).toContain(instances[0]!.state);
    // ListFindings was read page by page (120 findings, 100 a page).
    expect(emu.requests.filter((r) => r.action === 'ListFindings').length).toBeGreaterThanOrEqual(2);

    // Listing detail carries the summary; findings are paged, most severe first.
    const detail = listingDetail.parse((await request(reg.url).get('/api/v1/listings/alice/web')).body);
    expect(detail.versions[0]!.regions[0]!.scan).toMatchObject({ status: 'complete', highest: 'critical' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await request(reg.url)
        .get(`/api/v1/listings/alice/web/versions/${version}/findings`)
        .query({ limit: 50, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      const page = findingsPage.parse(res.body);
      seen.push(...page.items.map((f) => f.severity));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(120);
    expect(seen.slice(0, 30).every((s) => s === 'critical')).toBe(true);
    const fixed = findingsPage.parse(
      (
        await request(reg.url).get(
          `/api/v1/listings/alice/web/versions/${version}/findings?severity=high&fix_available=true`,
        )
      ).body,
    );
    expect(fixed.items.length).toBeGreaterThan(0);
    expect(fixed.items.every((f) => f.severity === 'high' && f.fix_available && f.fixed_version === '1.1')).toBe(true);
    expect(fixed.items[0]!.url).toMatch(/^https:\/\/nvd\.nist\.gov\/vuln\/detail\/CVE-2026-/);
    const bad = await request(reg.url).get(`/api/v1/listings/alice/web/versions/${version}/findings?cursor=nope`);
    expect(bad.status).toBe(400);
  });

  it('takes the cheap path when Inspector already knows the AMI (no instance)', async () => {
    const ami = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'known', public: true });
    emu.addFindings(ami, [{ severity: 'HIGH', title: 'CVE-2026-7000 - openssl', imageScanned: true }], 'us-east-1');
    const version = await publishAmi('known', ami);
    const h = await waitScanned('alice/known', version);
    expect(h.items[0], h.items[0]?.reason ?? '').toMatchObject({
      scanner: 'ec2-image-findings',
      status: 'complete',
      counts: { high: 1 },
    });
    expect(emu.listInstances('us-east-1').filter((i) => i.imageId === ami)).toEqual([]);
    const f = findingsPage.parse(
      (await request(reg.url).get(`/api/v1/listings/alice/known/versions/${version}/findings`)).body,
    );
    expect(f.items[0]).toMatchObject({ vulnerability_id: 'CVE-2026-7000', package_name: 'openssl', severity: 'high' });
  });

  it('stores a failed scan with a reason the publisher can act on', async () => {
    // No longer shared with the registry's account by the time it is scanned.
    const hidden = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'hidden', public: true });
    emu.failNext('GetImageFindings', {
      code: 'InvalidAMIID.NotFound',
      message: `The image id '[${hidden}]' does not exist`,
    });
    const v1 = await publishAmi('hidden', hidden);
    const h1 = await waitScanned('alice/hidden', v1);
    expect(h1.items[0]).toMatchObject({ status: 'failed' });
    expect(h1.items[0]!.reason).toMatch(/not visible to the registry's account 999999999999.*share it/);
    // An operating system Inspector cannot scan.
    const win = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'win', public: true });
    emu.markUnsupported(win);
    const v2 = await publishAmi('win', win);
    const h2 = await waitScanned('alice/win', v2);
    expect(h2.items[0]!.reason).toMatch(/cannot scan this operating system \(UNSUPPORTED_OS\)/);
    expect(emu.listInstances('us-east-1').filter((i) => i.imageId === win && i.state === 'running')).toEqual([]);
    // Inspector off in the region.
    const eu = emu.addImage({ region: 'eu-west-1', ownerAccount: A.accountId, name: 'eu', public: true });
    emu.setInspector(REGISTRY.accountId, 'eu-west-1', 'DISABLED');
    const v3 = await publishAmi('eu', eu, 'eu-west-1');
    const h3 = await waitScanned('alice/eu', v3);
    expect(h3.items[0]!.reason).toMatch(/Inspector EC2 scanning is disabled .* eu-west-1/);
  });

  it('rescans on request (owner only), and a new critical finding marks the listing in its audit log', async () => {
    const ami = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'again', public: true });
    emu.addFindings(ami, [{ severity: 'LOW', title: 'CVE-2026-8000 - zlib', imageScanned: true }], 'us-east-1');
    const version = await publishAmi('again', ami);
    await waitScanned('alice/again', version);
    const bob = await createUser(reg, 'bob');
    const denied = await request(reg.url).post(`/api/v1/listings/alice/again/versions/${version}/scan`).set(auth(bob));
    expect(denied.status).toBe(403);
    emu.addFindings(ami, [{ severity: 'CRITICAL', title: 'CVE-2026-8001 - sudo', imageScanned: true }], 'us-east-1');
    const asked = await request(reg.url).post(`/api/v1/listings/alice/again/versions/${version}/scan`).set(auth(alice));
    expect(asked.status).toBe(202);
    expect(asked.body.jobs).toHaveLength(1);
    const h = await waitScanned('alice/again', version, 2);
    expect(h.items[0]).toMatchObject({ counts: { critical: 1, low: 1 } });
    const auditRes = await request(reg.url).get('/api/v1/listings/alice/again/audit').set(auth(alice));
    const entry = auditRes.body.items.find((e: { action: string }) => e.action === 'scan.new_finding');
    expect(entry?.details).toMatchObject({ vulnerability_ids: ['CVE-2026-8001'] });
    // The listing says so, until the owner acknowledges it (or publishes a new version).
    const marked = listingDetail.parse((await request(reg.url).get('/api/v1/listings/alice/again')).body);
    expect(marked.scan_alert).toMatchObject({ severity: 'critical', vulnerability_ids: ['CVE-2026-8001'] });
    expect(marked.scan_alert!.message).toBe(`new critical finding since ${marked.scan_alert!.since.slice(0, 10)}`);
    expect((await request(reg.url).delete('/api/v1/listings/alice/again/scan-alert').set(auth(bob))).status).toBe(403);
    expect((await request(reg.url).delete('/api/v1/listings/alice/again/scan-alert').set(auth(alice))).status).toBe(
      204,
    );
    expect((await request(reg.url).get('/api/v1/listings/alice/again')).body.scan_alert).toBeNull();
    const trail = await request(reg.url).get('/api/v1/listings/alice/again/audit').set(auth(alice));
    expect(trail.body.items[0]).toMatchObject({ action: 'scan.alert_cleared', details: { reason: 'acknowledged' } });
    // A new version clears a mark too.
    await reg.database.db
      .updateTable('images')
      .set({ new_finding_since: new Date() })
      .where('name', '=', 'again')
      .execute();
    await reg.server.ctx.cache.invalidate('test');
    expect((await request(reg.url).get('/api/v1/listings/alice/again')).body.scan_alert).not.toBeNull();
    const fixed = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'again-2', public: true });
    const next = await request(reg.url)
      .post('/api/v1/listings/alice/again/versions')
      .set(auth(alice))
      .send({ version: '9.0.0', regions: [{ region: 'us-east-1', ami_id: fixed }] });
    expect(next.status, JSON.stringify(next.body)).toBe(201);
    expect((await request(reg.url).get('/api/v1/listings/alice/again')).body.scan_alert).toBeNull();
  });
});
