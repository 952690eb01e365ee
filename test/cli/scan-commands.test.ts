import { type AwsEmulator, DEFAULT_ACCOUNTS, startEmulator } from '@cws/aws-emulator';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, publish, publishBody } from '../helpers/api.js';
import { presignCallerIdentity, REGISTRY_ID } from '../helpers/aws.js';
import type { TestRegistry } from '../helpers/registry.js';
import { REGISTRY_ACCOUNT, startScanningRegistry } from '../helpers/scans.js';
import { assertBuilt, cws, type Sandbox, sandbox } from './run-cws.js';
import { addRegistry } from './seed.js';

// cws ami findings / ami scan / ami info against a registry that scans through the emulator.
const { A } = DEFAULT_ACCOUNTS;
const REGISTRY = REGISTRY_ACCOUNT;
let emu: AwsEmulator;
let reg: TestRegistry;
let box: Sandbox;
let alice: string;
let version: string;
let ami: string;

beforeAll(async () => {
  assertBuilt();
  emu = await startEmulator({
    seedCanonical: false,
    accounts: [A, REGISTRY],
    instanceTransitionMs: 100,
    inspectorScanAfterMs: 300,
    inspectorEnabled: [REGISTRY.accountId],
  });
  reg = await startScanningRegistry(emu);
  alice = await createUser(reg, 'alice');
  await request(reg.url)
    .post('/api/v1/auth/aws')
    .set({ Authorization: `Bearer ${alice}` })
    .send(presignCallerIdentity(emu.url, A, { registryId: REGISTRY_ID }));
  ami = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'lab', public: true });
  emu.addFindings(
    ami,
    [
      {
        severity: 'CRITICAL',
        title: 'CVE-2026-9100 - sudo',
        packageName: 'sudo',
        installedVersion: '1.9',
        fixedVersion: '1.9.1',
      },
      { severity: 'LOW', title: 'CVE-2026-9101 - less', packageName: 'less', installedVersion: '590' },
    ],
    'us-east-1',
  );
  const body = publishBody('lab', { template: 'scan-lab' });
  body.version.regions = [{ region: 'us-east-1', architecture: 'x86_64', ami_id: ami }];
  await publish(reg, alice, body);
  version = body.version.version;
  box = sandbox();
  await addRegistry(box, 'community', reg.url);
  const login = await cws(['login', '--registry', 'community', '--token', alice, '--json'], { env: box.env });
  expect(login.code, login.stderr).toBe(0);
});
afterAll(async () => {
  box?.cleanup();
  await reg?.close();
  await emu?.close();
});

describe('scan commands', () => {
  it('cws ami scan --wait follows the scan, then ami findings and ami info show it', async () => {
    const started = Date.now();
    const scan = await cws(['ami', 'scan', 'alice/lab', '--wait', '--json'], { env: box.env, timeoutMs: 60_000 });
    expect(scan.code, scan.stderr).toBe(0);
    expect(scan.json.requested.jobs).toHaveLength(1);
    expect(scan.json.scans.in_progress).toEqual([]);
    expect(scan.json.scans.items[0]).toMatchObject({ status: 'complete', counts: { critical: 1, low: 1 } });
    expect(Date.now() - started).toBeLessThan(60_000);

    const all = await cws(['ami', 'findings', 'alice/lab', '--json'], { env: box.env });
    expect(all.code, all.stderr).toBe(0);
    expect(all.json.version).toBe(version);
    expect(all.json.findings.map((f: { vulnerability_id: string }) => f.vulnerability_id)).toEqual([
      'CVE-2026-9100',
      'CVE-2026-9101',
    ]);
    const high = await cws(['ami', 'findings', 'alice/lab', '--min-severity', 'high', '--json'], { env: box.env });
    expect(high.json.findings).toEqual([
      expect.objectContaining({ vulnerability_id: 'CVE-2026-9100', fixed_version: '1.9.1', package_name: 'sudo' }),
    ]);
    const human = await cws(['ami', 'findings', 'alice/lab'], { env: box.env });
    expect(human.stdout).toMatch(/critical\s+CVE-2026-9100\s+sudo/);
    expect(human.stdout).toContain('https://nvd.nist.gov/vuln/detail/CVE-2026-9100');

    const info = await cws(['ami', 'info', 'alice/lab', '--json'], { env: box.env });
    expect(info.json.listing.versions[0].regions[0].scan).toMatchObject({ status: 'complete', highest: 'critical' });
    const bad = await cws(['ami', 'findings', 'alice/lab', '--severity', 'worst'], { env: box.env });
    expect(bad.code).toBe(2);
  });

  it('a rescan with a new critical finding marks the listing in cws ami info until the owner acknowledges it', async () => {
    emu.addFindings(
      ami,
      [{ severity: 'CRITICAL', title: 'CVE-2026-9102 - glibc', packageName: 'glibc', installedVersion: '2.39' }],
      'us-east-1',
    );
    const rescan = await cws(['ami', 'scan', 'alice/lab', '--wait', '--json'], { env: box.env, timeoutMs: 60_000 });
    expect(rescan.code, rescan.stderr).toBe(0);
    const info = await cws(['ami', 'info', 'alice/lab'], { env: box.env });
    expect(info.stderr).toMatch(/alice\/lab: new critical finding since \d{4}-\d{2}-\d{2}: CVE-2026-9102/);
    const ack = await cws(['ami', 'acknowledge', 'alice/lab', '--json'], { env: box.env });
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.json).toMatchObject({ listing: 'alice/lab', acknowledged: true });
    const after = await cws(['ami', 'info', 'alice/lab', '--json'], { env: box.env });
    expect(after.json.listing.scan_alert).toBeNull();
  });
});
