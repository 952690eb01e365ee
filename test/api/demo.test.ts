import { readdirSync, readFileSync } from 'node:fs';
import { checkTemplate, listingDetail, listingTemplate, searchResult } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

let reg: TestRegistry;
beforeAll(async () => {
  reg = await startRegistry({ demo: true });
}, 120_000);
afterAll(() => reg?.close());

const detail = async (ref: string) => {
  const res = await request(reg.url).get(`/api/v1/listings/${ref}`);
  expect(res.status, ref).toBe(200);
  return listingDetail.parse(res.body);
};

describe('the demo catalogue of an empty embedded registry', () => {
  it('carries a valid template with every listing, named as the listing says', async () => {
    const res = await request(reg.url).get('/api/v1/listings?limit=100');
    const items = searchResult.parse(res.body).items;
    expect(items.length).toBeGreaterThanOrEqual(12);
    for (const item of items) {
      const t = await request(reg.url).get(`/api/v1/listings/${item.ref}/template`);
      expect(t.status, item.ref).toBe(200);
      const body = listingTemplate.parse(t.body);
      const checked = checkTemplate(body.yaml, item.ref);
      expect(checked.ok, item.ref).toBe(true);
      expect(checked.ok && checked.template.name).toBe(item.template);
    }
  });

  it("ships the CLI's own built-in templates unchanged, so a fetched one is the one the CLI knows", () => {
    const cli = new URL('../../cli/templates/', import.meta.url);
    const demo = new URL('../../registry-server/data/demo-templates/', import.meta.url);
    const builtins = readdirSync(cli).filter((f) => f.endsWith('.yml'));
    expect(builtins.length).toBeGreaterThan(0);
    for (const f of builtins) {
      expect(readFileSync(new URL(f, demo), 'utf8'), f).toBe(readFileSync(new URL(f, cli), 'utf8'));
    }
  });

  it('shows ratings with reviews, downloads and an unrated listing', async () => {
    const torch = await detail('ml-commons/pytorch-cuda');
    expect(torch.rating).toEqual({ average: 4.57, count: 7 });
    expect(torch.reviews.some((r) => r.review?.includes('g5.xlarge'))).toBe(true);
    expect(torch.download_count).toBe(1342);
    expect((await detail('engineering-it/matlab-byol')).download_count).toBe(1);
    const jax = await detail('deepmind-fans/jax-tpu-free');
    expect(jax.rating.count).toBe(0);
    expect(jax.download_count).toBe(0);
  });

  it('has verified, unverified and failed images', async () => {
    const torch = await detail('ml-commons/pytorch-cuda');
    expect(torch.verified).toBe(true);
    expect(torch.versions[0]!.regions.every((r) => r.verification.status === 'verified')).toBe(true);
    const qgis = await detail('geo-lab/qgis-desktop');
    expect(qgis.verified).toBe(false);
    const statuses = Object.fromEntries(qgis.versions[0]!.regions.map((r) => [r.region, r.verification]));
    expect(statuses['eu-west-1']).toMatchObject({ status: 'failed', reason: expect.stringContaining('NotFound') });
    expect(statuses['us-west-2']!.status).toBe('verified');
    expect((await detail('julia-lab/julia-sciml')).verified).toBe(false);
  });

  it('has a deprecated and a revoked version, with reasons, below the current one', async () => {
    const torch = await detail('ml-commons/pytorch-cuda');
    expect(torch.latest_version).toBe('2.4.1');
    expect(torch.versions.map((v) => [v.version, v.status])).toEqual([
      ['2.4.1', 'active'],
      ['2.4.0', 'revoked'],
      ['2.3.0', 'deprecated'],
    ]);
    expect(torch.versions[1]!.status_reason).toContain('SSH host keys');
  });

  it('has scans with findings, a clean scan, a failed one and a new critical finding', async () => {
    const torch = await detail('ml-commons/pytorch-cuda');
    const scanned = torch.versions[0]!.regions.find((r) => r.region === 'us-east-1')!;
    expect(scanned.scan).toMatchObject({ status: 'complete', highest: 'high', counts: { high: 1, medium: 2, low: 2 } });
    const findings = await request(reg.url).get('/api/v1/listings/ml-commons/pytorch-cuda/versions/2.4.1/findings');
    expect(findings.status).toBe(200);
    expect(findings.body.items.map((f: { vulnerability_id: string }) => f.vulnerability_id)).toContain('CVE-2024-6387');
    const clean = await detail('ml-commons/scikit-datascience');
    expect(clean.versions[0]!.regions.find((r) => r.scan)?.scan).toMatchObject({ status: 'complete', highest: null });
    const gatk = await detail('genomics-core/gatk-germline');
    expect(gatk.versions[0]!.regions[0]!.scan).toMatchObject({ highest: 'critical', counts: { critical: 1 } });
    const row = await reg.database.db
      .selectFrom('images')
      .select('new_finding_since')
      .where('name', '=', 'gatk-germline')
      .executeTakeFirstOrThrow();
    expect(row.new_finding_since).not.toBeNull();
    const julia = await detail('julia-lab/julia-sciml');
    expect(julia.versions[0]!.regions.find((r) => r.scan)?.scan).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('not scanned'),
    });
  });
});
