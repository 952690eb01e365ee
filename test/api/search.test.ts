import { searchResult } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, fakeAmi, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

let reg: TestRegistry;
beforeAll(async () => {
  reg = await startRegistry({ demo: true });
  const alice = await createUser(reg, 'alice');
  // 30 more listings to page through.
  for (let i = 0; i < 30; i++) {
    await publish(
      reg,
      alice,
      publishBody(`bulk-${String(i).padStart(2, '0')}`, {
        template: 'bulk',
        description: i % 2 ? 'genomics workflow' : 'climate model',
        version: {
          version: '1',
          regions: [
            { region: i % 3 ? 'us-east-1' : 'eu-west-1', architecture: i % 4 ? 'x86_64' : 'arm64', ami_id: fakeAmi() },
          ],
        },
      }),
    );
  }
  const rater = await createUser(reg, 'rater');
  await request(reg.url)
    .put('/api/v1/listings/ml-commons/pytorch-cuda/rating')
    .set('Authorization', `Bearer ${rater}`)
    .send({ rating: 5 });
  await request(reg.url)
    .put('/api/v1/listings/rstats-uni/rstudio-tidyverse/rating')
    .set('Authorization', `Bearer ${rater}`)
    .send({ rating: 3 });
});
afterAll(() => reg?.close());

const names = (res: request.Response) => res.body.items.map((i: { ref: string }) => i.ref);

describe('listing search', () => {
  it('finds listings by words in name, description, template and tags', async () => {
    const res = await request(reg.url).get('/api/v1/listings?q=pytorch');
    expect(res.status).toBe(200);
    expect(searchResult.parse(res.body).items[0]!.ref).toBe('ml-commons/pytorch-cuda');
    expect(names(await request(reg.url).get('/api/v1/listings?q=deseq2'))).toEqual(['rstats-uni/bioconductor-3.20']);
    expect(names(await request(reg.url).get('/api/v1/listings?q=rstudio%20tidyverse'))).toContain(
      'rstats-uni/rstudio-tidyverse',
    );
    // Prefixes match: "bioconduct" finds bioconductor.
    expect(names(await request(reg.url).get('/api/v1/listings?q=bioconduct'))).toContain(
      'rstats-uni/bioconductor-3.20',
    );
  });

  it('tolerates typos: swapped, missing and wrong letters', async () => {
    for (const typo of ['pyhton', 'pytorh', 'nextflw', 'genomcs', 'tidyvers']) {
      const res = await request(reg.url).get(`/api/v1/listings?q=${typo}`);
      expect(res.body.items.length, typo).toBeGreaterThan(0);
    }
    expect(names(await request(reg.url).get('/api/v1/listings?q=bioconductr'))).toContain(
      'rstats-uni/bioconductor-3.20',
    );
    expect((await request(reg.url).get('/api/v1/listings?q=zzqxv')).body.items).toEqual([]);
  });

  it('filters by template, category, region, architecture, rating and verification', async () => {
    expect(names(await request(reg.url).get('/api/v1/listings?template=r-research')).sort()).toEqual([
      'rstats-uni/bioconductor-3.20',
      'rstats-uni/rstudio-tidyverse',
    ]);
    expect(names(await request(reg.url).get('/api/v1/listings?category=genomics&region=us-east-1')).sort()).toEqual([
      'genomics-core/gatk-germline',
      'genomics-core/nextflow-nfcore',
      'rstats-uni/bioconductor-3.20',
    ]);
    expect(names(await request(reg.url).get('/api/v1/listings?architecture=arm64&template=ubuntu-24.04'))).toEqual([
      'base-images/ubuntu-2404-arm',
    ]);
    // The demo catalogue comes rated and partly verified (data/demo-activity.yaml); the rater above adds to it.
    const rated = searchResult.parse((await request(reg.url).get('/api/v1/listings?min_rating=4')).body).items;
    expect(rated.map((i) => i.ref)).toContain('ml-commons/pytorch-cuda');
    expect(rated.map((i) => i.ref)).not.toContain('rstats-uni/rstudio-tidyverse'); // 3.75 with the rater's 3
    expect(rated.every((i) => i.rating.average >= 4)).toBe(true);
    expect(names(await request(reg.url).get('/api/v1/listings?verified=true')).sort()).toEqual([
      'base-images/ubuntu-2404-hardened',
      'genomics-core/gatk-germline',
      'genomics-core/nextflow-nfcore',
      'ml-commons/pytorch-cuda',
      'ml-commons/scikit-datascience',
      'rstats-uni/rstudio-tidyverse',
    ]);
  });

  it('sorts by rating, name, downloads and recency', async () => {
    const byRating = searchResult.parse((await request(reg.url).get('/api/v1/listings?sort=rating&limit=12')).body);
    const averages = byRating.items.map((i) => i.rating.average);
    expect(averages).toEqual([...averages].sort((a, b) => b - a));
    expect(byRating.items[0]!.ref).toBe('julia-lab/julia-sciml'); // the one 5-star rating
    expect(byRating.items.map((i) => i.ref)).toContain('rstats-uni/rstudio-tidyverse');
    const byName = names(await request(reg.url).get('/api/v1/listings?sort=name&limit=3'));
    expect(byName).toEqual([...byName].sort());
    const recent = names(await request(reg.url).get('/api/v1/listings?sort=recent&limit=1'));
    expect(recent).toEqual(['alice/bulk-29']);
  });

  it('pages with cursors through every match exactly once, for every sort', async () => {
    for (const sort of ['rating', 'name', 'recent', 'downloads', 'relevance']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: request.Response = await request(reg.url).get(
          `/api/v1/listings?template=bulk&sort=${sort}&limit=7${sort === 'relevance' ? '&q=bulk' : ''}${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(res.status).toBe(200);
        seen.push(...names(res));
        cursor = res.body.next_cursor;
        pages += 1;
      } while (cursor && pages < 20);
      expect(seen, sort).toHaveLength(30);
      expect(new Set(seen).size, sort).toBe(30);
    }
  });

  it("shows each result's latest version, regions and architectures as its own page does", async () => {
    type Version = { version: string; status: string; regions: Array<{ region: string; architecture: string }> };
    let checked = 0;
    let revokedSeen = false;
    for (const qs of ['sort=name&limit=100', 'q=bulk&limit=100', 'q=pytorch&limit=100', 'q=genomics&limit=5']) {
      const res = await request(reg.url).get(`/api/v1/listings?${qs}`);
      expect(res.status, qs).toBe(200);
      expect(res.body.items.length, qs).toBeGreaterThan(0);
      for (const item of res.body.items) {
        const detail = await request(reg.url).get(`/api/v1/listings/${item.ref}`);
        expect(detail.status).toBe(200);
        // Newest first; a revoked version counts for neither the latest version nor the regions.
        const versions = detail.body.versions as Version[];
        revokedSeen ||= versions.some((v) => v.status === 'revoked');
        const live = versions.filter((v) => v.status !== 'revoked' && v.regions.length > 0);
        const regions = live.flatMap((v) => v.regions);
        expect(
          { latest_version: item.latest_version, regions: item.regions, architectures: item.architectures },
          `${qs} ${item.ref}`,
        ).toEqual({
          latest_version: live[0]?.version ?? null,
          regions: [...new Set(regions.map((r) => r.region))].sort(),
          architectures: [...new Set(regions.map((r) => r.architecture))].sort(),
        });
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(40);
    expect(revokedSeen).toBe(true);
  });

  it('rejects bad parameters with 400', async () => {
    for (const qs of [
      'limit=0',
      'limit=101',
      'sort=popular',
      'min_rating=6',
      'verified=yes',
      'architecture=sparc',
      'cursor=garbage',
      'page=2',
      `q=${'x'.repeat(201)}`,
    ]) {
      const res = await request(reg.url).get(`/api/v1/listings?${qs}`);
      expect(res.status, qs).toBe(400);
    }
  });
});
