import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../helpers/registry.js';
import { acceptInvitation, byId, hidden } from '../web/sign-in.js';
import { assertBuilt, cws, type Sandbox, sandbox } from './run-cws.js';

/**
 * A newcomer's first hour, from an empty registry to a rating, using only what `cws-registry serve`,
 * the pages and `cws` tell them: the first-run link from the server's output, an invitation made on
 * the admin's pages, a token from the account page and the `cws login` line it shows.
 */
const BIN = new URL('../../registry-server/bin/cws-registry.js', import.meta.url).pathname;

let dataDir: string;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let box: Sandbox;
const servers: ChildProcessWithoutNullStreams[] = [];

function serverEnv(): NodeJS.ProcessEnv {
  const { DATABASE_URL: _d, REDIS_URL: _r, CWS_REGISTRY_ADMIN_TOKEN: _a, CWS_REGISTRY_DATA: _c, ...rest } = process.env;
  return {
    ...rest,
    PORT: '0',
    ...(db.config.kind === 'postgres' ? { DATABASE_URL: db.config.url } : { CWS_REGISTRY_DATA: dataDir }),
    CWS_REGISTRY_DEMO: 'true',
    CWS_REGISTRY_AWS: 'false',
    CWS_REGISTRY_LOG_LEVEL: 'info',
  };
}

/** Starts `cws-registry serve`; resolves once it listens and has printed what it prints at start. */
async function serve(): Promise<{ url: string; out: () => string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'serve'], { env: serverEnv() });
  servers.push(child);
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start in 90 s:\n${out}`)), 90_000);
    const check = () => {
      const m = /listening on (http:\/\/[0-9.:]+)/.exec(out);
      // The first-run block (or its absence) comes right after the health line.
      if (m && /health http/.test(out)) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => reject(new Error(`cws-registry exited ${code}:\n${out}`)));
  });
  // Let the rest of the start output (the first-run block is written just after) arrive.
  await new Promise((r) => setTimeout(r, 1500));
  return {
    url,
    out: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

beforeAll(async () => {
  assertBuilt();
  dataDir = mkdtempSync(join(tmpdir(), 'cws-first-run-'));
  db = await freshDatabase();
  box = sandbox();
});
afterAll(async () => {
  for (const s of servers) if (s.exitCode === null) s.kill('SIGKILL');
  box?.cleanup();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('first run: empty registry -> first admin -> invitation -> token -> cws login -> cws ami rate', () => {
  it('gets a newcomer to a rating with nothing but what the server, the pages and cws print', async () => {
    const server = await serve();
    const { url } = server;

    // 1. The server prints a one-time link for the first admin, and how to set a permanent token.
    const link = /(http:\/\/\S+\/invite\/[A-Za-z0-9_-]{43})/.exec(server.out())?.[1];
    expect(link, server.out()).toBeDefined();
    expect(server.out()).toContain('CWS_REGISTRY_ADMIN_TOKEN');
    const code = link!.split('/').pop()!;
    // The link is a secret: it is printed for the operator, never written into a log line.
    const logLines = server
      .out()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((l) => l.includes(code))).toEqual([]);

    // 2. Opening it and choosing a handle makes the first admin, signed in on the account page.
    const admin = await acceptInvitation(link!, 'ops', 'Registry Operator');
    expect(admin.location).toBe('/account/tokens?welcome=1');
    const welcome = await request(url).get(admin.location).set('Cookie', admin.cookie);
    expect(welcome.text).toContain('Signed in as <strong>ops</strong>');
    // The link works once.
    expect((await request(url).get(new URL(link!).pathname)).status).toBe(410);

    // 3. The admin's account page links to invitations; the admin invites a researcher.
    expect(welcome.text).toContain('href="/account/invitations"');
    const invitations = await request(url).get('/account/invitations').set('Cookie', admin.cookie);
    const invited = await request(url)
      .post('/account/invitations')
      .set('Cookie', admin.cookie)
      .type('form')
      .send({ csrf: hidden(invitations.text, 'csrf'), note: 'Rosa', role: 'user', expires_in_days: '7' });
    expect(invited.status, invited.text).toBe(201);
    const invitationUrl = byId(invited.text, 'invitation-url');
    expect(invitationUrl).toMatch(new RegExp(`^${url}/invite/[A-Za-z0-9_-]{43}$`));

    // 4. The researcher opens the invitation, picks a handle and lands on their account page.
    const rosa = await acceptInvitation(invitationUrl!, 'rosa');
    const tokensPage = await request(url).get('/account/tokens').set('Cookie', rosa.cookie);
    expect(tokensPage.text).toContain('Signed in as <strong>rosa</strong>');
    // A researcher's page offers no admin scope and no invitations.
    expect(tokensPage.text).not.toContain('value="admin"');
    expect((await request(url).get('/account/invitations').set('Cookie', rosa.cookie)).status).toBe(403);

    // 5. cws, told about the registry, says where a token comes from when it needs one.
    expect((await cws(['registry', 'add', 'campus', url, '--json'], { env: box.env })).code).toBe(0);
    const listed = await cws(['ami', 'list', '--registry', 'campus', '--json'], { env: box.env });
    expect(listed.code, listed.stderr).toBe(0);
    const ref = listed.json.items[0].ref as string;
    const refused = await cws(['ami', 'rate', ref, '5', '--registry', 'campus', '--json'], { env: box.env });
    expect(refused.code).not.toBe(0);
    expect(refused.json.error.suggestions.join('\n')).toContain(`${url}/account/tokens`);

    // 6. The account page makes a token and shows the line to paste.
    const created = await request(url)
      .post('/account/tokens')
      .set('Cookie', rosa.cookie)
      .type('form')
      .send(`csrf=${encodeURIComponent(rosa.csrf)}&name=laptop&scopes=rate&scopes=publish&expires=30`);
    expect(created.status, created.text).toBe(201);
    const loginLine = byId(created.text, 'login-line')!;
    expect(loginLine).toMatch(new RegExp(`^cws login --registry ${url} --token cws_[A-Za-z0-9]{40}$`));
    expect(created.headers['cache-control']).toBe('no-store');

    // 7. Pasting it logs cws in (the URL names the registry added above), and the rating goes through.
    const login = await cws([...loginLine.split(' ').slice(1), '--json'], { env: box.env });
    expect(login.code, login.stderr).toBe(0);
    expect(login.json).toMatchObject({ registry: 'campus', handle: 'rosa' });
    const [owner, name] = ref.split('/');
    const before = (await request(url).get(`/api/v1/listings/${owner}/${name}`)).body.ratings.count as number;
    const rated = await cws(['ami', 'rate', ref, '5', '--review', 'Worked first time', '--json'], { env: box.env });
    expect(rated.code, rated.stderr).toBe(0);
    const detail = await request(url).get(`/api/v1/listings/${owner}/${name}/ratings?limit=100`);
    expect(detail.status).toBe(200);
    expect(detail.body.items).toContainEqual(
      expect.objectContaining({ user: 'rosa', rating: 5, review: 'Worked first time' }),
    );
    expect((await request(url).get(`/api/v1/listings/${owner}/${name}`)).body.ratings.count).toBe(before + 1);

    // 8. Once an admin exists, a restart prints no link.
    await server.stop();
    const again = await serve();
    expect(again.out()).not.toMatch(/\/invite\//);
    expect(again.out()).not.toContain('No admin yet');
    await again.stop();
  }, 240_000);
});
