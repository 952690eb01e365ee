import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AmiStatusItem, RegistryError, type ResolveResult } from '@cws/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsError, type ImageInfo } from '../aws/gateway.js';
import { ResolveCache } from '../cache.js';
import { CwsError } from '../errors.js';
import { parseTemplate } from '../templates/parse.js';
import type { RegistryTarget, ResolveRequest, ResolverAws, ResolverDeps } from './context.js';
import { resolveAmi } from './resolver.js';
import { checkAmiStatus, describeStatus, type StatusCheck, type StatusRegistry } from './status.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function answer(amiId: string, over: Partial<ResolveResult> = {}): ResolveResult {
  return {
    ami_id: amiId,
    region: 'us-east-1',
    architecture: 'x86_64',
    template: 'lab',
    listing: {
      ref: 'alice/lab',
      owner: 'alice',
      name: 'lab',
      rating: { average: 4.5, count: 10 },
      download_count: 3,
      launch_count: 0,
      verified: true,
    },
    version: { version: '1.0.0', status: 'active', channel: null },
    verification: { status: 'verified', reason: null, checked_at: null },
    scan: null,
    reason: 'best rated',
    warnings: [],
    ...over,
  };
}

const registry = (name: string, impl: () => Promise<ResolveResult>): RegistryTarget => ({
  name,
  url: `http://${name}.example.org`,
  client: { resolve: impl },
});
const down = (name: string) =>
  registry(name, async () => {
    throw new RegistryError({
      kind: 'network',
      code: 'ECONNREFUSED',
      message: 'connection refused',
      method: 'GET',
      url: 'x',
    });
  });
const noMatch = (name: string) =>
  registry(name, async () => {
    throw new RegistryError({ kind: 'http', status: 404, code: 'no_match', message: 'none', method: 'GET', url: 'x' });
  });

const image = (over: Partial<ImageInfo> = {}): ImageInfo => ({
  image_id: 'ami-00000000000000001',
  name: 'lab-1',
  owner_id: '222222222222',
  creation_date: '2026-01-01T00:00:00.000Z',
  architecture: 'x86_64',
  state: 'available',
  region: 'us-east-1',
  size_gib: 20,
  ...over,
});

function aws(over: Partial<ResolverAws> = {}): ResolverAws {
  return {
    findNewestImage: async () => null,
    copyImage: async () => 'ami-0000000000000c0py'.replace('c0py', 'c0de'),
    getParameter: async () => 'ami-0000000000000base'.replace('base', 'ba5e'),
    ...over,
  };
}

const template = parseTemplate(
  'name: lab\nami_config:\n  ami_search:\n    owner: "222222222222"\n    name_pattern: "lab-*"\nsetup_script: echo\n',
  'lab.yml',
);
const req = (over: Partial<ResolveRequest> = {}): ResolveRequest => ({
  template,
  region: 'us-east-1',
  architecture: 'x86_64',
  strategy: 'ami_preferred',
  policy: {},
  allowCopy: false,
  ...over,
});
function deps(over: Partial<ResolverDeps> = {}): ResolverDeps {
  const dir = mkdtempSync(join(tmpdir(), 'cws-resolver-'));
  dirs.push(dir);
  return { aws: aws(), registries: [], cache: new ResolveCache(dir), useCache: true, cacheTtlMs: 60_000, ...over };
}

describe('resolveAmi', () => {
  it('re-checks the policy on registry answers and moves on to the next registry', async () => {
    const r = await resolveAmi(
      req({ policy: { min_rating: 4.8, verified_only: true } }),
      'lab.yml',
      deps({
        registries: [
          registry('lenient', async () => answer('ami-0000000000000000a')),
          registry('strict', async () =>
            answer('ami-0000000000000000b', {
              listing: { ...answer('x').listing, rating: { average: 4.9, count: 3 } },
            }),
          ),
        ],
      }),
    );
    expect(r.ami_id).toBe('ami-0000000000000000b');
    expect(r.fallback_chain.filter((e) => e.tier === 'registry').map((e) => [e.name, e.outcome])).toEqual([
      ['lenient', 'rejected'],
      ['strict', 'selected'],
    ]);
  });

  it('blocks unscanned or too-severe images under --max-severity in block mode, and warns in warn mode', async () => {
    const high = answer('ami-0000000000000000c', {
      scan: {
        scanner: 'inspector2',
        status: 'complete',
        counts: { critical: 0, high: 2, medium: 0, low: 0, informational: 0 },
        highest: 'high',
        scanned_at: '',
      },
    });
    const d = deps({
      registries: [registry('a', async () => answer('ami-0000000000000000d')), registry('b', async () => high)],
    });
    const r = await resolveAmi(req({ policy: { max_severity: 'medium', severity_mode: 'block' } }), 'lab.yml', d);
    expect(r.fallback_chain.filter((e) => e.outcome === 'rejected').map((e) => e.detail)).toEqual([
      expect.stringMatching(/not scanned, and --severity-mode block without --allow-unscanned/),
      expect.stringMatching(/high findings, above --max-severity medium/),
    ]);
    expect(r.resolution_method).toBe('script_fallback');

    // Unscanned images are an explicit choice in block mode.
    const open = await resolveAmi(
      req({ policy: { max_severity: 'medium', severity_mode: 'block', allow_unscanned: true } }),
      'lab.yml',
      d,
    );
    expect(open.ami_id).toBe('ami-0000000000000000d');

    // Warn (the default): resolved, and said, by a registry that does not judge the policy itself.
    const warned = await resolveAmi(req({ policy: { max_severity: 'medium' } }), 'lab.yml', d);
    expect(warned.ami_id).toBe('ami-0000000000000000d');
    expect(warned.warnings).toContain('a: ami-0000000000000000d is not scanned; --max-severity could not be checked');

    // A registry that judged the policy (its exceptions accept the high findings) is trusted.
    const judged = {
      ...high,
      policy: {
        max_severity: 'medium' as const,
        mode: 'block' as const,
        allow_unscanned: false,
        verdict: 'passed' as const,
        highest: null,
        counts: { critical: 0, high: 0, medium: 0, low: 0, informational: 0 },
        accepted: 2,
        message: 'latest scan has nothing above medium; 2 above it accepted by exceptions',
      },
    };
    const trusted = await resolveAmi(
      req({ policy: { max_severity: 'medium', severity_mode: 'block' } }),
      'lab.yml',
      deps({ registries: [registry('b', async () => judged)] }),
    );
    expect(trusted.ami_id).toBe('ami-0000000000000000c');
  });

  it('always asks the registry, and uses a cached answer only when its registry fails, within the TTL', async () => {
    let calls = 0;
    const good = registry('own', async () => {
      calls += 1;
      return answer('ami-0000000000000000e');
    });
    const d = deps({ registries: [good] });
    await resolveAmi(req(), 'lab.yml', d);
    const again = await resolveAmi(req(), 'lab.yml', d);
    // A revocation must take effect at once: the registry is asked every time.
    expect(calls).toBe(2);
    expect(again.source.cached).toBeUndefined();

    // Registry down, answer within the TTL: used, and marked stale.
    const stale = await resolveAmi(req(), 'lab.yml', { ...d, registries: [{ ...down('own'), url: good.url }] });
    expect(stale).toMatchObject({ ami_id: 'ami-0000000000000000e', stale: true, resolution_method: 'registry' });
    expect(stale.warning).toMatch(/stale/);

    // Registry down, answer older than the TTL: not used.
    const tooOld = await resolveAmi(req(), 'lab.yml', {
      ...d,
      cacheTtlMs: 0,
      registries: [{ ...down('own'), url: good.url }],
    });
    expect(tooOld.ami_id === 'ami-0000000000000000e' && tooOld.resolution_method === 'registry').toBe(false);

    // Expired, registry says "no match" now: the old answer is not resurrected.
    const gone = await resolveAmi(req(), 'lab.yml', {
      ...d,
      cacheTtlMs: 0,
      registries: [{ ...noMatch('own'), url: good.url }],
    });
    expect(gone.resolution_method).toBe('script_fallback');
  });

  it('reports an image in another region with copy time and cost, and copies only when allowed', async () => {
    const west = image({ image_id: 'ami-0000000000000000f', region: 'us-west-2', size_gib: 30 });
    const gateway = aws({
      findNewestImage: async (region, q) => (region === 'us-west-2' && !q.owners.includes('self') ? west : null),
    });
    const err = await resolveAmi(req({ strategy: 'ami_required' }), 'lab.yml', deps({ aws: gateway })).catch((e) => e);
    expect(err).toBeInstanceOf(CwsError);
    expect(err.exit).toBe(5);
    expect(err.suggestions[0]).toMatch(/ami-0000000000000000f.*--allow-copy.*\$0\.60/);

    const copied = await resolveAmi(req({ allowCopy: true }), 'lab.yml', deps({ aws: gateway }));
    expect(copied).toMatchObject({ resolution_method: 'cross_region', ami_id: 'ami-0000000000000c0de' });
    expect(copied.copy).toMatchObject({
      source_region: 'us-west-2',
      size_gib: 30,
      estimated_cost_usd: 0.6,
      started: true,
    });
    expect(copied.estimated_launch_seconds).toBe(60 + 300 + 40 * 30);
  });

  it('script_only skips every image tier', async () => {
    const r = await resolveAmi(req({ strategy: 'script_only' }), 'lab.yml', deps({ registries: [down('a')] }));
    expect(r.fallback_chain.map((e) => e.outcome)).toEqual(['skipped', 'skipped', 'skipped', 'skipped', 'selected']);
    expect(r.ami_id).toBe('ami-0000000000000ba5e');
    expect(r.user_data?.present).toBe(true);
  });

  it('fails with exit 8 and the credentials hint when AWS is unusable', async () => {
    const noCreds = new AwsError('CredentialsProviderError', 'no AWS credentials', ['configure credentials']);
    const gateway = aws({
      findNewestImage: async () => {
        throw noCreds;
      },
      getParameter: async () => {
        throw noCreds;
      },
    });
    const err = await resolveAmi(req(), 'lab.yml', deps({ aws: gateway })).catch((e) => e);
    expect(err.exit).toBe(8);
    expect(err.suggestions).toEqual(['configure credentials']);
    expect(err.data.fallback_chain.at(-1)).toMatchObject({ tier: 'script_fallback', outcome: 'error' });
  });
});

describe('the revocation check', () => {
  const item = (ami_id: string, over: Partial<AmiStatusItem> = {}): AmiStatusItem => ({
    ami_id,
    status: 'unlisted',
    listing: null,
    version: null,
    reason: null,
    region: null,
    architecture: null,
    owner_checked: null,
    verification: null,
    scan: null,
    lineage: null,
    use_instead: null,
    ...over,
  });
  const statusReg = (name: string, items: Record<string, Partial<AmiStatusItem>>): StatusRegistry => ({
    name,
    url: `http://${name}.example.org`,
    client: { amiStatus: async (ids) => ({ items: ids.map((id) => item(id, items[id] ?? {})) }) },
  });
  const deadReg = (name: string): StatusRegistry => ({
    name,
    url: 'x',
    client: {
      amiStatus: async () => {
        throw new RegistryError({
          kind: 'network',
          code: 'ECONNREFUSED',
          message: 'refused',
          method: 'POST',
          url: 'x',
        });
      },
    },
  });
  const PINNED = 'ami-0aaaaaaaaaaaaaaa1';
  const SEARCHED = 'ami-0ccccccccccccccc3';
  const pinned = parseTemplate(
    `name: lab\nami_config:\n  ami_mappings:\n    us-east-1:\n      x86_64: ${PINNED}\n  ami_search:\n    owner: "222222222222"\n    name_pattern: "lab-*"\nsetup_script: echo\n`,
    'lab.yml',
  );
  const revoked = {
    status: 'revoked' as const,
    listing: 'alice/lab',
    version: '1.0.0',
    reason: 'leaked keys',
    use_instead: { listing: 'alice/lab', version: '1.1.0', ami_id: 'ami-0dddddddddddddd44' },
  };
  const check = (regs: StatusRegistry[]) => async (id: string) => (await checkAmiStatus([id], regs))[0] as StatusCheck;

  it('combines registries in priority order: revoked anywhere beats active elsewhere; dead ones are skipped', async () => {
    const [c] = await checkAmiStatus(
      [PINNED],
      [deadReg('down'), statusReg('a', { [PINNED]: { status: 'active' } }), statusReg('b', { [PINNED]: revoked })],
    );
    expect(c).toMatchObject({ status: 'revoked', verdict: { registry: 'b', reason: 'leaked keys' } });
    expect(c?.answers.map((a) => a.status)).toEqual(['active', 'revoked']);
    expect(c?.skipped).toEqual([{ registry: 'down', error: expect.any(String) }]);
    expect(describeStatus(c as StatusCheck)).toMatch(
      /revoked in b \(alice\/lab@1.0.0\): leaked keys; use alice\/lab@1.1.0/,
    );
    const [u] = await checkAmiStatus([PINNED], [deadReg('down')]);
    expect(u?.status).toBe('unknown');
  });

  it('refuses a revoked pinned image and takes the EC2 search instead', async () => {
    const r = await resolveAmi(
      req({ template: pinned }),
      'lab.yml',
      deps({
        aws: aws({ findNewestImage: async () => image({ image_id: SEARCHED }) }),
        statusCheck: check([statusReg('community', { [PINNED]: revoked })]),
      }),
    );
    expect(r.ami_id).toBe(SEARCHED);
    expect(r.resolution_method).toBe('dynamic_search');
    expect(r.fallback_chain.map((e) => [e.tier, e.outcome])).toEqual([
      ['direct_mapping', 'rejected'],
      ['status_check', 'rejected'],
      ['registry', 'skipped'],
      ['dynamic_search', 'selected'],
      ['status_check', 'passed'],
    ]);
    expect(r.warnings).toEqual([
      expect.stringMatching(/^refused ami-0aaaaaaaaaaaaaaa1 revoked in community.*leaked keys/),
    ]);
    expect(r.status_check?.status).toBe('unlisted');
  });

  it('fails with ami_revoked (exit 10) when every image found is revoked and the strategy is ami_required', async () => {
    const err = await resolveAmi(
      req({ template: pinned, strategy: 'ami_required' }),
      'lab.yml',
      deps({
        aws: aws({ findNewestImage: async () => image({ image_id: SEARCHED }) }),
        statusCheck: check([statusReg('community', { [PINNED]: revoked, [SEARCHED]: revoked })]),
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CwsError);
    expect(err).toMatchObject({ code: 'ami_revoked', exit: 10 });
    expect((err as CwsError).message).toMatch(/leaked keys/);
    expect((err as CwsError).suggestions[0]).toMatch(/use alice\/lab@1.1.0 \(ami-0dddddddddddddd44\) instead/);
  });

  it('warns about a deprecated image, and when no registry could be asked', async () => {
    const dep = await resolveAmi(
      req({ template: pinned }),
      'lab.yml',
      deps({ statusCheck: check([statusReg('c', { [PINNED]: { ...revoked, status: 'deprecated', reason: 'old' } })]) }),
    );
    expect(dep.ami_id).toBe(PINNED);
    expect(dep.warnings).toEqual([expect.stringMatching(/deprecated in c .*: old/)]);
    const unknown = await resolveAmi(
      req({ template: pinned }),
      'lab.yml',
      deps({ statusCheck: check([deadReg('c')]) }),
    );
    expect(unknown.ami_id).toBe(PINNED);
    expect(unknown.status_check?.status).toBe('unknown');
    expect(unknown.warnings).toEqual([
      expect.stringMatching(/registry c not asked/),
      expect.stringMatching(/revocation status of ami-0aaaaaaaaaaaaaaa1 unknown/),
    ]);
  });

  const child = {
    status: 'active' as const,
    listing: 'bob/lab-plus',
    version: '1.0.0',
    lineage: {
      parent_ami: PINNED,
      parent_listing: 'alice/lab@1.0.0',
      parent: { listing: 'alice/lab', version: '1.0.0', status: 'revoked' as const },
      revoked_ancestor: {
        listing: 'alice/lab',
        version: '1.0.0',
        ami_id: PINNED,
        reason: 'leaked keys',
        generations: 1,
        message: 'built on a revoked image: leaked keys',
      },
    },
  };

  it('warns about an image built on a revoked image; revoked_lineage=block refuses it like a revoked one', async () => {
    const regs = [statusReg('community', { [SEARCHED]: child })];
    const search = aws({ findNewestImage: async () => image({ image_id: SEARCHED }) });
    const warned = await resolveAmi(req(), 'lab.yml', deps({ aws: search, statusCheck: check(regs) }));
    expect(warned.ami_id).toBe(SEARCHED);
    expect(warned.status_check?.revoked_ancestor).toMatchObject({ listing: 'alice/lab', registry: 'community' });
    expect(warned.warnings).toEqual([`${SEARCHED} is built on a revoked image: leaked keys (revoked in community)`]);

    const blocked = await resolveAmi(
      req({ policy: { revoked_lineage: 'block' } }),
      'lab.yml',
      deps({ aws: search, statusCheck: check(regs) }),
    );
    expect(blocked.resolution_method).toBe('script_fallback');
    expect(blocked.fallback_chain.map((e) => [e.tier, e.outcome])).toContainEqual(['dynamic_search', 'rejected']);
    expect(blocked.warnings[0]).toMatch(/^refused .*built on a revoked image: leaked keys.*revoked_lineage=block/);
  });

  it("checks the setup script's base image too: revoked, it is refused with ami_revoked", async () => {
    const BASE = 'ami-0000000000000ba5e';
    const err = await resolveAmi(
      req({ strategy: 'script_only' }),
      'lab.yml',
      deps({ statusCheck: check([statusReg('community', { [BASE]: revoked })]) }),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ami_revoked', exit: 10 });
    expect((err as CwsError).suggestions.join(' ')).toMatch(/base_image/);
    const ok = await resolveAmi(
      req({ strategy: 'script_only' }),
      'lab.yml',
      deps({ statusCheck: check([statusReg('community', {})]) }),
    );
    expect(ok).toMatchObject({
      ami_id: BASE,
      resolution_method: 'script_fallback',
      status_check: { status: 'unlisted' },
    });
    expect(ok.fallback_chain.at(-1)).toMatchObject({ tier: 'status_check', outcome: 'passed' });
  });
});
