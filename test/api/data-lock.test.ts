import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataFolderLock, DataFolderLockedError } from '@cws/registry-server';
import { describe, expect, it } from 'vitest';

const BIN = new URL('../../registry-server/bin/cws-registry.js', import.meta.url).pathname;
const run = promisify(execFile);
const ADMIN = `admin-${'d'.repeat(32)}`;

function env(dataDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { DATABASE_URL: _d, REDIS_URL: _r, ...rest } = process.env;
  return { ...rest, CWS_REGISTRY_DATA: dataDir, CWS_REGISTRY_LOG_LEVEL: 'error', CWS_REGISTRY_AWS: 'false', ...extra };
}

describe('the embedded database folder lock', () => {
  it('lets one holder in, names it to the next, and takes over a lock whose process died', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cws-lock-'));
    const lock = DataFolderLock.acquire(dir, 'test holder');
    const err = (() => {
      try {
        DataFolderLock.acquire(dir);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DataFolderLockedError);
    expect((err as Error).message).toContain(`process ${process.pid} (test holder`);
    lock.release();
    DataFolderLock.acquire(dir).release();

    // A lock file left by a process that is gone.
    const child = spawn('node', ['-e', '0']);
    const deadPid = await new Promise<number>((r) => child.on('exit', () => r(child.pid!)));
    writeFileSync(
      join(dir, 'cws-registry.lock'),
      JSON.stringify({ pid: deadPid, host: (await import('node:os')).hostname(), command: 'gone', started: 'then' }),
    );
    const taken = DataFolderLock.acquire(dir);
    taken.release();
  });

  // Cold starts of the binary on a fresh PGlite folder: slow on a busy machine.
  it('a second server, migrate and import never open a folder a server holds; import goes through it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'cws-lock-')), 'db');
    const server = spawn('node', [BIN, 'serve'], {
      env: env(dir, { PORT: '0', CWS_REGISTRY_DEMO: 'false', CWS_REGISTRY_ADMIN_TOKEN: ADMIN }),
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout.on('data', (d) => {
          out += d;
          const m = /listening on (http:\/\/[0-9.:]+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
      });
      const second = await run('node', [BIN, 'serve'], { env: env(dir, { PORT: '0' }) }).catch((e) => e);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`in use by process ${server.pid}`);
      expect(second.stderr).toContain(url);

      const migrate = await run('node', [BIN, 'migrate'], { env: env(dir) }).catch((e) => e);
      expect(migrate.code).toBe(1);
      expect(migrate.stderr).toMatch(/in use by process \d+.*restart it/);

      const file = join(dir, '..', 'index.yaml');
      writeFileSync(
        file,
        'genomics:\n  gatk:\n    version: "4.6"\n    creator: lab\n    description: GATK\n    regions:\n      us-east-1: ami-0123456789abcdef0\n',
      );
      const refused = await run('node', [BIN, 'import', file], { env: env(dir) }).catch((e) => e);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/set CWS_REGISTRY_ADMIN_TOKEN/);
      // Nothing was written behind the server's back.
      expect((await fetch(`${url}/api/v1/listings/lab/gatk`)).status).toBe(404);

      const through = await run('node', [BIN, 'import', file], { env: env(dir, { CWS_REGISTRY_ADMIN_TOKEN: ADMIN }) });
      expect(JSON.parse(through.stdout)).toMatchObject({ listings_created: 1 });
      // The running server sees it at once: it made the write.
      expect((await fetch(`${url}/api/v1/listings/lab/gatk`)).status).toBe(200);
    } finally {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    // The lock went with the server: the folder opens again, with the import in it.
    const again = await run('node', [BIN, 'import', join(dir, '..', 'index.yaml')], { env: env(dir) });
    expect(JSON.parse(again.stdout)).toMatchObject({ listings_created: 0, unchanged: 1 });
  });
});
