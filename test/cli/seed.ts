import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestRegistry } from '../helpers/registry.js';
import { cws, type Sandbox } from './run-cws.js';

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
