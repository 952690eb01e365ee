import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/** The built `cws-registry` binary (the test command builds before it runs the suite). */
const BIN = new URL('../../registry-server/bin/cws-registry.js', import.meta.url).pathname;
const run = promisify(execFile);

function env(dataDir: string): NodeJS.ProcessEnv {
  const { DATABASE_URL: _d, REDIS_URL: _r, ...rest } = process.env;
  return { ...rest, CWS_REGISTRY_DATA: dataDir, CWS_REGISTRY_LOG_LEVEL: 'warn' };
}

describe('cws-registry binary', () => {
  it('documents every setting in --help', async () => {
    const { stdout } = await run('node', [BIN, '--help']);
    for (const name of ['HOST', 'PORT', 'CWS_REGISTRY_DATA', 'DATABASE_URL', 'REDIS_URL', 'CWS_REGISTRY_ADMIN_TOKEN']) {
      expect(stdout).toContain(name);
    }
  });

  it('refuses bad settings with a message naming the variable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cws-reg-'));
    const err = await run('node', [BIN, 'serve'], { env: { ...env(dir), PORT: 'eighty' } }).catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/PORT: must be a whole number/);
    const short = await run('node', [BIN, 'serve'], { env: { ...env(dir), CWS_REGISTRY_ADMIN_TOKEN: 'short' } }).catch(
      (e) => e,
    );
    expect(short.stderr).toMatch(/CWS_REGISTRY_ADMIN_TOKEN: must be at least 24 characters/);
  });

  it('a port in use says so and how to pick another (PORT), and exits 1', async () => {
    const busy = createNetServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      const dir = mkdtempSync(join(tmpdir(), 'cws-reg-'));
      const err = await run('node', [BIN, 'serve'], {
        env: { ...env(dir), HOST: '127.0.0.1', PORT: String(port), CWS_REGISTRY_DEMO: 'false' },
      }).catch((e) => e);
      expect(err.code).toBe(1);
      expect(err.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(err.stderr).toContain(`PORT=${port + 1} cws-registry serve`);
      expect(err.stderr).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      busy.close();
    }
  });

  // Four cold starts of the binary, two of them creating a PGlite data folder: slow on a busy 2-core machine.
  it('migrates, imports an index file idempotently, and serves the data it imported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cws-reg-'));
    const file = join(dir, 'index.yaml');
    writeFileSync(
      file,
      'genomics:\n  gatk:\n    version: "4.6"\n    creator: lab\n    description: GATK\n    regions:\n      us-east-1: ami-0123456789abcdef0\n',
    );
    const migrate = await run('node', [BIN, 'migrate'], { env: env(join(dir, 'db')) });
    expect(migrate.stdout).toMatch(/applied: 20261121000000_initial/);
    const first = await run('node', [BIN, 'import', file], { env: env(join(dir, 'db')) });
    expect(JSON.parse(first.stdout)).toMatchObject({ listings_created: 1, versions_created: 1 });
    const second = await run('node', [BIN, 'import', file], { env: env(join(dir, 'db')) });
    expect(JSON.parse(second.stdout)).toMatchObject({ listings_created: 0, unchanged: 1 });

    const child = spawn('node', [BIN, 'serve'], {
      env: { ...env(join(dir, 'db')), PORT: '0', CWS_REGISTRY_DEMO: 'false' },
    });
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
      const res = await fetch(`${url}/api/v1/resolve/genomics?region=us-east-1`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { ami_id: string }).ami_id).toBe('ami-0123456789abcdef0');
    } finally {
      child.kill('SIGTERM');
    }
  }, 120_000);
});
