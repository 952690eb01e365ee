/**
 * The emulator's own control endpoint (not AWS), for seeding state over HTTP when the emulator runs
 * on its own (`pnpm emulator`):
 *   POST /_emulator/findings  {image_id, region, image_scanned?, findings: [{vulnerability_id, severity,
 *                              package_name, installed_version, fixed_version?, title?}]}
 *   POST /_emulator/inspector {account_id, region, status: ENABLED | DISABLED}
 * Answers JSON; bad input is a 400 saying what is wrong.
 */
import { randomBytes } from 'node:crypto';
import { IMAGE_ID_RE } from './ec2/common.js';
import type { WireRequest } from './sigv4.js';
import type { Severity, Store } from './state.js';
import type { Reply } from './sts.js';

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED'];
const REGION_RE = /^[a-z]{2}(-[a-z]+)+-\d$/;

const json = (status: number, body: unknown): Reply => ({
  status,
  contentType: 'application/json',
  body: JSON.stringify(body),
});
const bad = (message: string) => json(400, { error: message });

export function handleControl(store: Store, wire: WireRequest): Reply {
  if (wire.method !== 'POST') return json(405, { error: 'use POST' });
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(wire.body.toString('utf8') || '{}');
  } catch {
    return bad('the body is not JSON');
  }
  if (typeof input !== 'object' || input === null) return bad('the body must be a JSON object');
  if (wire.rawPath === '/_emulator/findings') return seedFindings(store, input);
  if (wire.rawPath === '/_emulator/inspector') {
    const { account_id, region, status } = input as Record<string, string>;
    if (!/^\d{12}$/.test(account_id ?? '')) return bad('account_id must be a 12-digit account id');
    if (!REGION_RE.test(region ?? '')) return bad('region must look like us-east-1');
    if (status !== 'ENABLED' && status !== 'DISABLED') return bad('status must be ENABLED or DISABLED');
    store.inspector.set(`${account_id}/${region}`, status);
    return json(200, { account_id, region, status });
  }
  return json(404, { error: `no control endpoint ${wire.rawPath}` });
}

function seedFindings(store: Store, input: Record<string, unknown>): Reply {
  const imageId = input['image_id'];
  const region = input['region'];
  const findings = input['findings'];
  if (typeof imageId !== 'string' || !IMAGE_ID_RE.test(imageId)) return bad('image_id must look like ami-0123…');
  if (typeof region !== 'string' || !REGION_RE.test(region)) return bad('region must look like us-east-1');
  if (!Array.isArray(findings) || findings.length === 0 || findings.length > 10_000) {
    return bad('findings must be a list of 1 to 10000 findings');
  }
  const rows = [];
  for (const [i, f] of findings.entries()) {
    const v = f as Record<string, unknown>;
    const severity = String(v['severity'] ?? '').toUpperCase();
    if (!SEVERITIES.includes(severity)) return bad(`findings[${i}].severity must be one of ${SEVERITIES.join(', ')}`);
    const id = v['vulnerability_id'];
    if (typeof id !== 'string' || !/^(CVE-\d{4}-\d{4,}|GHSA(-[23456789cfghjmpqrvwx]{4}){3})$/.test(id)) {
      return bad(`findings[${i}].vulnerability_id must be a CVE or GHSA id`);
    }
    for (const k of ['package_name', 'installed_version']) {
      if (typeof v[k] !== 'string' || v[k] === '') return bad(`findings[${i}].${k} is required`);
    }
    if (v['fixed_version'] !== undefined && v['fixed_version'] !== null && typeof v['fixed_version'] !== 'string') {
      return bad(`findings[${i}].fixed_version must be a string or null`);
    }
    rows.push({
      imageId,
      region,
      severity: severity as Severity,
      vulnerabilityId: id,
      title: typeof v['title'] === 'string' ? v['title'] : `${id} - ${v['package_name']}`,
      packageName: v['package_name'] as string,
      installedVersion: v['installed_version'] as string,
      fixedVersion: (v['fixed_version'] as string | null | undefined) ?? undefined,
      imageScanned: input['image_scanned'] === true,
      findingArnSuffix: randomBytes(16).toString('hex'),
      observedAt: Date.now(),
    });
  }
  store.findings.push(...rows);
  return json(200, { image_id: imageId, region, added: rows.length });
}
