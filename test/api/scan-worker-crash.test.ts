import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type AwsEmulator, DEFAULT_ACCOUNTS, type EmulatorAccount, startEmulator } from '@cws/aws-emulator';
import { buildConfig } from '@cws/registry-server';
import { scanHistory } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, publish, publishBody } from '../helpers/api.js';
import { awsConfig, presignCallerIdentity, REGISTRY_ID } from '../helpers/aws.js';
import { TEST_DATABASE_URL } from '../helpers/env.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

// Workers as real processes on one PostgreSQL (PGlite is one process): a worker killed mid-scan
// leaves a scan instance; the job runs again on another worker and nothing is left running.
const { A } = DEFAULT_ACCOUNTS;
const REGISTRY: EmulatorAccount = {
  accessKeyId: 'AKIAEMULATORREGISTRY',
  secretAccessKey: 'emulatorSecretForTheRegistry000000000000',
  accountId: '999999999999',
};
const MAIN = fileURLToPath(new URL('../../registry-server/dist/main.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let emu: AwsEmulator;
let reg: TestRegistry;
let alice: string;
const workers: ChildProcess[] = [];

function startWorker(): ChildProcess {
  const db = reg.server.ctx.config.db;
  if (db.kind !== 'postgres') throw new Error('needs PostgreSQL');
  const child = spawn(process.execPath, [MAIN, 'worker'], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: db.url,
      AWS_ENDPOINT_URL: emu.url,
      AWS_ACCESS_KEY_ID: REGISTRY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: REGISTRY.secretAccessKey,
      AWS_REGION: 'us-east-1',
      CWS_REGISTRY_JOB_LEASE: '5',
      CWS_REGISTRY_SCAN_POLL: '1',
      CWS_REGISTRY_LOG_LEVEL: 'silent',
      CWS_REGISTRY_RESCAN_LATEST: '0',
      CWS_REGISTRY_RESCAN_OLDER: '0',
    },
    stdio: 'ignore',
  });
  workers.push(child);
  return child;
}

async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 60_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

beforeAll(async () => {
  if (!TEST_DATABASE_URL) return;
  emu = await startEmulator({
    seedCanonical: false,
    accounts: [A, REGISTRY],
    instanceTransitionMs: 100,
    // Long enough to kill the worker while its scan instance waits for Inspector.
    inspectorScanAfterMs: 4000,
    inspectorEnabled: [REGISTRY.accountId],
  });
  // The API replica runs no jobs; the workers are separate processes.
  reg = await startRegistry({
    config: {
      aws: awsConfig(emu, {
        verify: true,
        credentials: { accessKeyId: REGISTRY.accessKeyId, secretAccessKey: REGISTRY.secretAccessKey },
      }),
      jobs: { worker: false, leaseSeconds: 5, pollMs: 100 },
      scan: { ...buildConfig({}).scan, pollSeconds: 1, rescanLatestSeconds: 0, rescanOlderSeconds: 0 },
    },
  });
  alice = await createUser(reg, 'alice');
  const proof = await request(reg.url)
    .post('/api/v1/auth/aws')
    .set({ Authorization: `Bearer ${alice}` })
    .send(presignCallerIdentity(emu.url, A, { registryId: REGISTRY_ID }));
  expect(proof.status).toBe(200);
});
afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await reg?.close();
  await emu?.close();
});

if (!TEST_DATABASE_URL) {
  console.log(
    'skipping the worker-killed-mid-scan tests (two workers on one PostgreSQL) on the embedded pass: they need a PostgreSQL server (DATABASE_URL); the PostgreSQL pass of .ci/run runs them',
  );
}
describe.skipIf(!TEST_DATABASE_URL)('a worker killed mid-scan', () => {
  it('runs the scan again elsewhere, and leaves no scan instance running', async () => {
    const ami = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'crash', public: true });
    emu.addFindings(ami, [{ severity: 'HIGH', title: 'CVE-2026-6000 - bash', packageName: 'bash' }], 'us-east-1');
    const body = publishBody('crash', { template: 'scan-crash' });
    body.version.regions = [{ region: 'us-east-1', architecture: 'x86_64', ami_id: ami }];
    await publish(reg, alice, body);

    const first = startWorker();
    const running = () => emu.listInstances('us-east-1').filter((i) => i.imageId === ami && i.state === 'running');
    const launched = await until('a scan instance', () => running()[0]);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    expect(running().map((i) => i.instanceId)).toEqual([launched.instanceId]); // left behind by the kill

    const started = Date.now();
    startWorker();
    const h = await until('the scan to finish', async () => {
      const res = await request(reg.url).get(`/api/v1/listings/alice/crash/versions/${body.version.version}/scans`);
      const parsed = scanHistory.parse(res.body);
      return parsed.items.length > 0 && parsed.in_progress.length === 0 ? parsed : null;
    });
    expect(h.items).toHaveLength(1);
    expect(h.items[0]).toMatchObject({ status: 'complete', counts: { high: 1 } });
    const job = await reg.database.db
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', 'scan-region')
      .executeTakeFirstOrThrow();
    expect(job).toMatchObject({ state: 'succeeded', attempts: 2 });
    // The first instance was terminated (by the reaper or the rerun), and so was the rerun's own.
    const all = emu.listInstances('us-east-1').filter((i) => i.imageId === ami);
    expect(all.length).toBe(2);
    expect(all.every((i) => i.state === 'terminated' || i.state === 'shutting-down')).toBe(true);
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('two workers on one database never scan the same AMI at once', async () => {
    const ami = emu.addImage({ region: 'us-east-1', ownerAccount: A.accountId, name: 'twice', public: true });
    startWorker();
    const body = publishBody('twice', { template: 'scan-twice' });
    body.version.regions = [{ region: 'us-east-1', architecture: 'x86_64', ami_id: ami }];
    await publish(reg, alice, body);
    // Ask again and again while the scan runs: the same job answers.
    const asks = [];
    for (let i = 0; i < 5; i++) {
      asks.push(
        (
          await request(reg.url)
            .post(`/api/v1/listings/alice/twice/versions/${body.version.version}/scan`)
            .set({ Authorization: `Bearer ${alice}` })
        ).body.jobs[0].job_id,
      );
      await sleep(200);
    }
    expect(new Set(asks).size).toBe(1);
    await until('the scan to finish', async () => {
      const res = await request(reg.url).get(`/api/v1/listings/alice/twice/versions/${body.version.version}/scans`);
      const parsed = scanHistory.parse(res.body);
      return parsed.items.length > 0 && parsed.in_progress.length === 0;
    });
    expect(emu.requests.filter((r) => r.action === 'RunInstances').length).toBeGreaterThan(0);
    const launched = emu.listInstances('us-east-1').filter((i) => i.imageId === ami);
    expect(launched).toHaveLength(1);
  });
});
