import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestRegistry } from '../helpers/registry.js';
import { cws, type Sandbox, sandbox } from './run-cws.js';

export type IndexEntry = {
  version: string;
  creator: string;
  description?: string;
  architecture?: 'x86_64' | 'arm64';
  regions: Record<string, string>;
};

/** Seeds a registry through its admin import (a registry index in seed 004's shape). */
export async function importIndex(
  reg: { url: string; adminToken: string },
  index: Record<string, Record<string, IndexEntry>>,
) {
  const res = await fetch(`${reg.url}/api/v1/admin/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${reg.adminToken}` },
    body: JSON.stringify(index),
  });
  if (!res.ok) throw new Error(`import failed: ${res.status} ${await res.text()}`);
  return res.json();
}

export function writeTemplate(box: Sandbox, name: string, yaml: string): string {
  mkdirSync(box.templatesDir, { recursive: true });
  const file = join(box.templatesDir, `${name}.yml`);
  writeFileSync(file, yaml);
  return file;
}

export async function addRegistry(box: Sandbox, name: string, url: string, ...flags: string[]) {
  const r = await cws(['registry', 'add', name, url, ...flags, '--json'], { env: box.env });
  if (r.code !== 0) throw new Error(`registry add failed: ${r.stdout}${r.stderr}`);
}

export type { TestRegistry };

/** A sandbox whose AWS calls go to the emulator as `account` (us-east-1 by default). */
export function awsSandbox(emulatorUrl: string, account: { accessKeyId: string; secretAccessKey: string }): Sandbox {
  return sandbox({
    AWS_ACCESS_KEY_ID: account.accessKeyId,
    AWS_SECRET_ACCESS_KEY: account.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: emulatorUrl,
  });
}

/** `cws ... --json` in a sandbox, with a timeout long enough for saves on a loaded machine. */
export const cwsJson =
  (box: Sandbox) =>
  (...args: string[]) =>
    cws([...args, '--json'], { env: box.env, timeoutMs: 90_000 });
