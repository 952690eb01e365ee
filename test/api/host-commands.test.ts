import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/** `cws-registry user|token` on the registry's host: straight on the database, --json on a clean stdout. */
const BIN = new URL('../../registry-server/bin/cws-registry.js', import.meta.url).pathname;
const run = promisify(execFile);

function env(dataDir: string): NodeJS.ProcessEnv {
  const { DATABASE_URL: _d, REDIS_URL: _r, CWS_REGISTRY_ADMIN_TOKEN: _a, ...rest } = process.env;
  // info would log (to stderr): stdout must stay one JSON document anyway.
  return { ...rest, CWS_REGISTRY_DATA: dataDir, CWS_REGISTRY_LOG_LEVEL: 'info', CWS_REGISTRY_AWS: 'false', PORT: '0' };
}

describe('cws-registry user and token commands', () => {
  it('create, list, make tokens and disable people, then the server honours it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'cws-host-')), 'db');
    const cli = (...args: string[]) => run('node', [BIN, ...args], { env: env(dir) });

    const created = await cli('user', 'create', 'alice', '--display-name', 'Alice', '--json');
    const alice = JSON.parse(created.stdout);
    expect(alice.user).toMatchObject({ handle: 'alice', role: 'user', display_name: 'Alice' });
    expect(alice.token.token).toMatch(/^cws_/);
    expect(alice.login_command).toBe(`cws login --registry http://127.0.0.1:0 --token ${alice.token.token}`); // PORT=0 here

    const bob = JSON.parse((await cli('user', 'create', 'bob', '--role', 'maintainer', '--json')).stdout);
    const extra = JSON.parse(
      (await cli('token', 'create', 'bob', '--name', 'ci', '--scope', 'rate', '--expires-in-days', '7', '--json'))
        .stdout,
    );
    expect(extra).toMatchObject({ name: 'ci', scopes: ['rate'] });
    // Scopes beyond the person's role are refused.
    const wide = await cli('token', 'create', 'bob', '--scope', 'admin', '--json').catch((e) => e);
    expect(wide.code).toBe(1);
    expect(JSON.parse(wide.stdout).error.message).toMatch(/cannot have: admin/);
    // Bad input: usage, exit 2, nothing on stdout.
    const bad = await cli('user', 'create', 'Not A Handle').catch((e) => e);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/handle/);
    const dup = await cli('user', 'create', 'alice', '--json').catch((e) => e);
    expect(dup.code).toBe(1);
    expect(JSON.parse(dup.stdout).error.code).toBe('conflict');

    const disabled = JSON.parse((await cli('user', 'disable', 'alice', '--json')).stdout);
    expect(disabled.disabled_at).not.toBeNull();
    const list = JSON.parse((await cli('user', 'list', '--json')).stdout);
    expect(list.map((u: { handle: string }) => u.handle)).toEqual(['alice', 'bob']);

    // The server started on that folder: alice's token no longer works, bob's both do.
    const child = spawn('node', [BIN, 'serve'], { env: { ...env(dir), CWS_REGISTRY_DEMO: 'false' } });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /listening on (http:\/\/[0-9.:]+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const me = (token: string) => fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      expect((await me(alice.token.token)).status).toBe(401);
      expect((await me(bob.token.token)).status).toBe(200);
      expect((await me(extra.token)).status).toBe(200);
      // While the server holds the embedded folder, the commands refuse and say where to go instead.
      const locked = await cli('user', 'list').catch((e) => e);
      expect(locked.code).toBe(1);
      expect(locked.stderr).toContain('/account/tokens');
    } finally {
      child.kill('SIGTERM');
    }
  }, 180_000);
});
