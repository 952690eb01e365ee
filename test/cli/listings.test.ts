import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUser, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { assertBuilt, cws, type Sandbox, sandbox } from './run-cws.js';
import { addRegistry } from './seed.js';

/** browse, info, rate and list against a real cws-registry. */
let reg: TestRegistry;
let box: Sandbox;
let frank: string;
let gina: string;
const TORCH_AMI = 'ami-0f0f0f0f0f0f0f0f1';
const TORCH_AMI_WEST = 'ami-0f0f0f0f0f0f0f0e2';

beforeAll(async () => {
  assertBuilt();
  reg = await startRegistry();
  frank = await createUser(reg, 'frank');
  gina = await createUser(reg, 'gina');
  await publish(reg, frank, {
    ...publishBody('torch-lab', { description: 'PyTorch with CUDA and JupyterLab', tags: ['pytorch', 'cuda'] }),
    version: {
      version: '1.2.0',
      regions: [
        { region: 'us-east-1', architecture: 'x86_64', ami_id: TORCH_AMI },
        { region: 'us-west-2', architecture: 'x86_64', ami_id: TORCH_AMI_WEST },
      ],
    },
  });
  await publish(reg, frank, publishBody('sklearn-lab', { description: 'scikit-learn and pandas' }));
  await publish(
    reg,
    gina,
    publishBody('rstats', { template: 'r-research', category: 'statistics', description: 'R and tidyverse' }),
  );
});
afterAll(() => reg?.close());
afterEach(() => box?.cleanup());

async function freshBox() {
  box = sandbox();
  await addRegistry(box, 'community', reg.url);
}
const run = (...args: string[]) => cws([...args, '--json'], { env: box.env });

describe('cws ami browse', () => {
  it('searches listings with filters and pages', async () => {
    await freshBox();
    const all = await run('ami', 'browse');
    expect(all.code, all.stderr).toBe(0);
    expect(all.json.registry).toBe('community');
    expect(all.json.items.map((i: { ref: string }) => i.ref).sort()).toEqual([
      'frank/sklearn-lab',
      'frank/torch-lab',
      'gina/rstats',
    ]);

    const q = await run('ami', 'browse', '--query', 'pytorch');
    expect(q.json.items.map((i: { ref: string }) => i.ref)).toEqual(['frank/torch-lab']);

    const byTemplate = await run('ami', 'browse', '--template', 'r-research');
    expect(byTemplate.json.items.map((i: { ref: string }) => i.ref)).toEqual(['gina/rstats']);

    const page = await run('ami', 'browse', '--limit', '1', '--sort', 'name');
    expect(page.json.items).toHaveLength(1);
    expect(page.json.next_cursor).toEqual(expect.any(String));
    const next = await run('ami', 'browse', '--limit', '1', '--sort', 'name', '--cursor', page.json.next_cursor);
    expect(next.json.items[0].ref).not.toBe(page.json.items[0].ref);

    const human = await cws(['ami', 'browse', '--category', 'statistics'], { env: box.env });
    expect(human.stdout).toMatch(/REF\s+TEMPLATE\s+RATING/);
    expect(human.stdout).toContain('gina/rstats');
  });

  it('a bad sort value is a usage error', async () => {
    await freshBox();
    const r = await run('ami', 'browse', '--sort', 'loudest');
    expect(r.code).toBe(2);
  });

  it('with no registry configured, says how to add one (exit 4)', async () => {
    box = sandbox();
    const r = await run('ami', 'browse');
    expect(r.code).toBe(4);
    expect(r.json.error.suggestions.join(' ')).toMatch(/cws registry add/);
  });
});

describe('cws ami info', () => {
  it('shows versions, regions, rating, verification and scan by OWNER/NAME', async () => {
    await freshBox();
    const r = await run('ami', 'info', 'frank/torch-lab');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.listing).toMatchObject({ ref: 'frank/torch-lab', owner: 'frank', template: 'python-ml' });
    expect(r.json.listing.versions[0]).toMatchObject({ version: '1.2.0' });
    expect(r.json.listing.versions[0].regions[0]).toMatchObject({ region: 'us-east-1', ami_id: TORCH_AMI });
    expect(r.json.listing.versions[0].regions[0].verification.status).toEqual(expect.any(String));
  });

  it('maps an image id to its listing', async () => {
    await freshBox();
    const r = await run('ami', 'info', TORCH_AMI);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.listing.ref).toBe('frank/torch-lab');
    // Any region's image id finds the listing, not only the first region's.
    const west = await run('ami', 'info', TORCH_AMI_WEST);
    expect(west.code, west.stderr).toBe(0);
    expect(west.json.listing.ref).toBe('frank/torch-lab');
    const text = await cws(['ami', 'info', TORCH_AMI_WEST], { env: box.env });
    expect(text.stdout).toMatch(/\b0 downloads\b/);
  });

  it('unknown listings and ids exit 4; malformed references exit 2', async () => {
    await freshBox();
    expect((await run('ami', 'info', 'frank/nothing')).code).toBe(4);
    expect((await run('ami', 'info', 'ami-0123456789abcdef9')).code).toBe(4);
    expect((await run('ami', 'info', 'not a ref')).code).toBe(2);
  });
});

describe('cws ami rate', () => {
  it('needs a login (exit 7), then rates and replaces the rating', async () => {
    await freshBox();
    const anonymous = await run('ami', 'rate', 'frank/torch-lab', '5');
    expect(anonymous.code).toBe(7);
    expect(anonymous.json.error.suggestions.join(' ')).toMatch(/cws login --registry community/);

    await cws(['login', '--registry', 'community', '--token', gina], { env: box.env });
    const rated = await run('ami', 'rate', 'frank/torch-lab', '4', '--review', 'CUDA just works');
    expect(rated.code, rated.stderr).toBe(0);
    expect(rated.json).toMatchObject({ registry: 'community', rating: 4, review: 'CUDA just works' });
    expect(rated.json.summary.count).toBe(1);

    const again = await run('ami', 'rate', 'frank/torch-lab', '5');
    expect(again.json.summary).toMatchObject({ count: 1, average: 5 });
    // Re-rating without --review keeps the review; --review '' removes it.
    expect(again.json.review).toBe('CUDA just works');
    const words = await cws(['ami', 'rate', 'frank/torch-lab', '5'], { env: box.env });
    expect(words.stdout).toContain('from 1 rating.');
    const kept = await run('ami', 'info', 'frank/torch-lab');
    expect(kept.json.listing.reviews[0]).toMatchObject({ user: 'gina', rating: 5, review: 'CUDA just works' });
    const cleared = await run('ami', 'rate', 'frank/torch-lab', '5', '--review', '');
    expect(cleared.json.review).toBeNull();

    const info = await run('ami', 'info', 'frank/torch-lab');
    expect(info.json.listing.ratings.count).toBe(1);
    expect(info.json.listing.reviews[0]).toMatchObject({ user: 'gina', rating: 5 });
  });

  it("rates by image id through the seed's community endpoint", async () => {
    await freshBox();
    await cws(['login', '--registry', 'community', '--token', frank], { env: box.env });
    const list = await cws(['ami', 'browse', '--template', 'r-research', '--json'], { env: box.env });
    const info = await run('ami', 'info', list.json.items[0].ref);
    const amiId = info.json.listing.versions[0].regions[0].ami_id;
    const r = await run('ami', 'rate', amiId, '3', '--review', 'fine');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ listing: 'gina/rstats', rating: 3 });
  });

  it('STARS outside 1-5 is a usage error before any request', async () => {
    await freshBox();
    for (const stars of ['0', '6', '4.5', 'five']) {
      const r = await run('ami', 'rate', 'frank/torch-lab', stars);
      expect(r.code, stars).toBe(2);
    }
  });
});

describe('cws ami list', () => {
  it("--mine lists the logged-in user's listings", async () => {
    await freshBox();
    const anonymous = await run('ami', 'list', '--mine');
    expect(anonymous.code).toBe(7);
    await cws(['login', '--registry', 'community', '--token', frank], { env: box.env });
    const mine = await run('ami', 'list', '--mine');
    expect(mine.code, mine.stderr).toBe(0);
    expect(mine.json.owner).toBe('frank');
    expect(mine.json.items.map((i: { ref: string }) => i.ref).sort()).toEqual(['frank/sklearn-lab', 'frank/torch-lab']);
  });

  it('without --mine lists by template', async () => {
    await freshBox();
    const r = await run('ami', 'list', '--template', 'python-ml');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.owner).toBeNull();
    expect(r.json.items).toHaveLength(2);
  });
});
