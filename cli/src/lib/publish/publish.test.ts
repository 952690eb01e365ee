import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AwsAuthInfo,
  type AwsProofResult,
  type ListingDetail,
  listingDetail,
  type PublishInput,
} from '@cws/shared';
import { afterEach, describe, expect, it } from 'vitest';
import type { AwsCredentials, AwsGateway, ImageDetail } from '../aws/gateway.js';
import { type CliContext, createContext } from '../context.js';
import { EXIT } from '../errors.js';
import { publish } from './publish.js';

/**
 * cws ami publish with a fake AWS gateway (the interface that exists for this) and the real registry client talking
 * HTTP to a small stand-in registry that records what it is sent. The publish command's end-to-end test on the built
 * binary, the emulator and a real registry is in test/cli/launch-save-publish.test.ts.
 */
const MINE = '111111111111';
const THEIRS = '222222222222';
const REGISTRY_ACCOUNT = '999999999999';
const FRIEND = '333333333333';
const TOKEN = 'cws_test_token_0123456789abcdef';

class FakeAws implements Partial<AwsGateway> {
  readonly calls: string[] = [];
  readonly images = new Map<string, ImageDetail>();

  addImage(region: string, id: string, over: Partial<ImageDetail> = {}): void {
    this.images.set(id, {
      image_id: id,
      region,
      name: `img-${id}`,
      owner_id: MINE,
      state: 'available',
      state_reason: null,
      architecture: 'x86_64',
      public: false,
      root_device_type: 'ebs',
      encrypted: false,
      product_codes: [],
      snapshot_ids: [],
      tags: { 'cws:source-template': 'lab' },
      ...over,
    });
  }
  async defaultRegion() {
    return undefined;
  }
  async credentials(region: string): Promise<AwsCredentials> {
    this.calls.push(`credentials ${region}`);
    return { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  }
  async describeImage(region: string, id: string) {
    this.calls.push(`describe ${region} ${id}`);
    const img = this.images.get(id);
    return img && img.region === region ? { ...img } : null;
  }
  async blockPublicAccessState() {
    return 'unblocked';
  }
  async addLaunchPermission(region: string, id: string, opts: { public?: boolean; accounts?: string[] }) {
    this.calls.push(`share ${region} ${id} ${opts.public ? 'all' : (opts.accounts ?? []).join(',')}`);
  }
  async snapshotPermissions() {
    return { public: false, accounts: [] };
  }
}

interface Seen {
  method: string;
  path: string;
  auth: string | undefined;
  body: unknown;
}

/** A registry that answers the calls of a publish; `answers` overrides one by "METHOD /path". */
async function fakeRegistry(answers: Record<string, [number, unknown]> = {}) {
  const seen: Seen[] = [];
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      seen.push({ method: req.method ?? '', path, auth: req.headers.authorization, body });
      const key = `${req.method} ${path}`;
      const override = answers[key];
      if (override) return json(res, override[0], override[1]);
      if (key === 'GET /api/v1/auth/aws') return json(res, 200, authInfo);
      if (key === 'POST /api/v1/auth/aws') return json(res, 200, proofResult);
      if (key === 'GET /api/v1/listings/alice/lab') {
        return json(res, 404, { error: { code: 'not_found', message: 'no listing alice/lab' } });
      }
      if (key === 'POST /api/v1/listings') return json(res, 201, listingFrom(body as PublishInput));
      json(res, 404, { error: { code: 'not_found', message: `no route ${key}` } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url, seen };
}

const authInfo: AwsAuthInfo = {
  registry_id: 'reg-test-1',
  header: 'x-cws-registry-id',
  sts_endpoints: ['https://sts.*.amazonaws.com'],
  max_age_seconds: 300,
  signup: false,
  verification: { enabled: false, reason: 'no AWS credentials', account_id: REGISTRY_ACCOUNT },
};
const NOW = '2026-12-01T10:00:00.000Z';
const proofResult: AwsProofResult = {
  account_id: MINE,
  arn: `arn:aws:iam::${MINE}:user/alice`,
  aws_user_id: 'AIDAEXAMPLE',
  user: { handle: 'alice', display_name: null, role: 'user', created_at: NOW, aws_accounts: [] },
  linked: false,
  user_created: false,
  token: null,
};

/** The listing the registry would answer with, from what it was sent. */
function listingFrom(body: PublishInput): ListingDetail {
  const regions = body.version.regions.map((r) => ({
    ...r,
    state: 'available' as const,
    verification: { status: 'unverified' as const, reason: null, checked_at: null },
    scan: null,
  }));
  // Parsed by the shared schema: the same check the client makes, and its defaults filled in.
  return listingDetail.parse(
    JSON.parse(
      JSON.stringify({
        ref: `alice/${body.name}`,
        owner: 'alice',
        name: body.name,
        template: body.template,
        category: null,
        description: body.description ?? '',
        tags: [],
        visibility: body.visibility ?? 'public',
        verified: false,
        rating: { average: 0, count: 0 },
        download_count: 0,
        latest_version: body.version.version,
        regions: regions.map((r) => r.region),
        architectures: regions.map((r) => r.architecture),
        updated_at: NOW,
        created_at: NOW,
        ratings: { average: 0, count: 0, histogram: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 } },
        reviews: [],
        versions: [
          {
            version: body.version.version,
            status: 'active',
            status_reason: null,
            changelog: null,
            source_template: body.version.source_template ?? null,
            parent_ami: null,
            created_by: 'alice',
            created_at: NOW,
            download_count: 0,
            regions,
            test_report: null,
            hygiene: null,
          },
        ],
        channels: {},
      }),
    ),
  );
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function contextFor(aws: FakeAws, registryUrl: string, token: string | null = TOKEN): CliContext {
  const dir = mkdtempSync(join(tmpdir(), 'cws-publish-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({ registries: [{ name: 'test', url: registryUrl, ...(token ? { token } : {}) }] }),
    { mode: 0o600 },
  );
  return createContext(
    {
      HOME: dir,
      CWS_CONFIG: config,
      CWS_TEMPLATES_DIR: dir,
      CWS_STATE_DIR: join(dir, 'state'),
      AWS_REGION: 'us-east-1',
    },
    { aws: aws as unknown as AwsGateway },
  );
}

const quiet = () => {};
const options = (over: Partial<Parameters<typeof publish>[1]> = {}): Parameters<typeof publish>[1] => ({
  source: 'ami-0123456789abcdef0',
  name: 'alice/lab',
  public: false,
  shareWith: [FRIEND],
  shareSnapshots: false,
  ...over,
});

describe('publish with a fake gateway', () => {
  it('proves the account, shares the image with the audience and the registry, then sends the region AMIs', async () => {
    const aws = new FakeAws();
    aws.addImage('us-east-1', 'ami-0123456789abcdef0');
    const reg = await fakeRegistry();
    const result = await publish(contextFor(aws, reg.url), options(), quiet, quiet);

    // The proof: a presigned GetCallerIdentity for this registry's id, sent with the stored token.
    const proof = reg.seen.find((s) => s.method === 'POST' && s.path === '/api/v1/auth/aws');
    expect(proof?.auth).toBe(`Bearer ${TOKEN}`);
    const body = proof?.body as { method: string; url: string; headers: Record<string, string> };
    expect(body.method).toBe('GET');
    expect(body.url).toMatch(/^https:\/\/sts\.us-east-1\.amazonaws\.com\/\?.*Action=GetCallerIdentity/);
    expect(body.url).toContain('X-Amz-Signature=');
    expect(body.url).toContain('x-cws-registry-id');
    expect(body.headers).toEqual({ 'x-cws-registry-id': 'reg-test-1' });
    expect(aws.calls).toContain('credentials us-east-1');

    // EC2: launch permission for the named account and the registry's own (so it can verify and scan).
    expect(aws.calls).toContain(`share us-east-1 ami-0123456789abcdef0 ${FRIEND},${REGISTRY_ACCOUNT}`);

    // The registry gets the AMI per region, owned by the proven account, as an unlisted listing.
    const sent = reg.seen.find((s) => s.method === 'POST' && s.path === '/api/v1/listings')?.body as PublishInput;
    expect(sent).toMatchObject({ name: 'lab', template: 'lab', visibility: 'unlisted' });
    expect(sent.version).toMatchObject({
      version: '1.0.0',
      source_template: 'lab',
      regions: [{ region: 'us-east-1', architecture: 'x86_64', ami_id: 'ami-0123456789abcdef0', owner_account: MINE }],
    });
    expect(result).toMatchObject({
      action: 'published',
      listing: 'alice/lab',
      version: '1.0.0',
      account_id: MINE,
      visibility: 'unlisted',
      regions: [{ region: 'us-east-1', architecture: 'x86_64', ami_id: 'ami-0123456789abcdef0' }],
    });
    expect(result.verification_note).toContain('does not check images in EC2');
  });

  it('refuses an image another account owns before changing anything in EC2 or the registry', async () => {
    const aws = new FakeAws();
    aws.addImage('us-east-1', 'ami-0123456789abcdef0', { owner_id: THEIRS });
    const reg = await fakeRegistry();
    const err = await publish(contextFor(aws, reg.url), options(), quiet, quiet).catch((e) => e);
    expect(err).toMatchObject({ code: 'not_owner', exit: EXIT.auth });
    expect(err.message).toContain(`owned by account ${THEIRS}`);
    expect(aws.calls.filter((c) => c.startsWith('share'))).toEqual([]);
    expect(reg.seen.some((s) => s.path === '/api/v1/listings')).toBe(false);
  });

  it('stops when the registry refuses the proof, before looking at the image', async () => {
    const aws = new FakeAws();
    aws.addImage('us-east-1', 'ami-0123456789abcdef0');
    const reg = await fakeRegistry({
      'POST /api/v1/auth/aws': [403, { error: { code: 'forbidden', message: 'the signature has expired' } }],
    });
    const err = await publish(contextFor(aws, reg.url), options(), quiet, quiet).catch((e) => e);
    expect(err).toMatchObject({ code: 'aws_proof_refused', exit: EXIT.auth });
    expect(aws.calls.some((c) => c.startsWith('describe') || c.startsWith('share'))).toBe(false);
  });

  it('reports a registry conflict with its code and exit, not as a bug', async () => {
    const aws = new FakeAws();
    aws.addImage('us-east-1', 'ami-0123456789abcdef0');
    const reg = await fakeRegistry({
      'POST /api/v1/listings': [
        409,
        { error: { code: 'conflict', message: 'ami-0123456789abcdef0 is listed already' } },
      ],
    });
    const err = await publish(contextFor(aws, reg.url), options(), quiet, quiet).catch((e) => e);
    expect(err).toMatchObject({ code: 'conflict', exit: EXIT.conflict });
    expect(err.message).toContain('is listed already');
  });

  it('needs a login and bad flags fail before any call', async () => {
    const aws = new FakeAws();
    const reg = await fakeRegistry();
    const noToken = await publish(contextFor(aws, reg.url, null), options(), quiet, quiet).catch((e) => e);
    expect(noToken).toMatchObject({ code: 'unauthorized', exit: EXIT.auth });
    const both = await publish(contextFor(aws, reg.url), options({ public: true }), quiet, quiet).catch((e) => e);
    expect(both).toMatchObject({ code: 'usage', exit: EXIT.usage });
    const badName = await publish(contextFor(aws, reg.url), options({ name: 'lab' }), quiet, quiet).catch((e) => e);
    expect(badName).toMatchObject({ code: 'usage' });
    expect(reg.seen).toEqual([]);
    expect(aws.calls).toEqual([]);
  });
});
