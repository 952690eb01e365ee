import type { AwsEmulator, EmulatorAccount } from '@cws/aws-emulator';
import { buildConfig, type Config } from '@cws/registry-server';
import { scanHistory } from '@cws/shared';
import request from 'supertest';
import { expect } from 'vitest';
import { awsConfig } from './aws.js';
import { startRegistry, type TestRegistry } from './registry.js';

/** The registry's own AWS account in the emulator: it verifies and scans with it. */
export const REGISTRY_ACCOUNT: EmulatorAccount = {
  accessKeyId: 'AKIAEMULATORREGISTRY',
  secretAccessKey: 'emulatorSecretForTheRegistry000000000000',
  accountId: '999999999999',
  arn: 'arn:aws:iam::999999999999:user/cws-registry',
};

/** Scan settings for tests: the defaults, polling fast, no scheduled rescans. */
export function scanConfig(extra: Partial<Config['scan']> = {}): Config['scan'] {
  return { ...buildConfig({}).scan, pollSeconds: 0.1, rescanLatestSeconds: 0, rescanOlderSeconds: 0, ...extra };
}

/** A registry that verifies and scans through the emulator as REGISTRY_ACCOUNT, with a fast in-process worker. */
export function startScanningRegistry(emu: Pick<AwsEmulator, 'url'>, scan: Partial<Config['scan']> = {}) {
  return startRegistry({
    config: {
      aws: awsConfig(emu, {
        verify: true,
        credentials: { accessKeyId: REGISTRY_ACCOUNT.accessKeyId, secretAccessKey: REGISTRY_ACCOUNT.secretAccessKey },
      }),
      jobs: { worker: true, leaseSeconds: 5, pollMs: 100 },
      scan: scanConfig(scan),
    },
  });
}

export async function scansOf(reg: TestRegistry, ref: string, version: string) {
  const res = await request(reg.url).get(`/api/v1/listings/${ref}/versions/${version}/scans`);
  expect(res.status).toBe(200);
  return scanHistory.parse(res.body);
}

/** Waits until a version has `n` finished scans and none queued or running. */
export async function waitScanned(reg: TestRegistry, ref: string, version: string, n = 1) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const h = await scansOf(reg, ref, version);
    if (h.items.length >= n && h.in_progress.length === 0) return h;
    if (Date.now() > deadline) throw new Error(`no scan of ${ref}@${version}: ${JSON.stringify(h)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
