import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../helpers/env.js';

// What a newcomer does with only Node and npm: pack both programs, `npm install -g` them into a prefix, and run
// them from that PATH, outside the checkout. Once per CI run is enough (it does not touch a database): the
// PostgreSQL pass skips it, saying so.
const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'cws-install-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

if (TEST_DATABASE_URL)
  console.log('skipping the npm pack + install -g test on the PostgreSQL pass: the embedded pass runs it');

describe.skipIf(TEST_DATABASE_URL !== null)('npm pack + npm install -g, outside the checkout', () => {
  it('puts cws and cws-registry on the PATH, with no engine or SDK warnings', { timeout: 600_000 }, async () => {
    const packs = join(work, 'packs');
    await run(process.execPath, [join(root, 'scripts/pack.mjs'), packs], { cwd: root });
    const tarballs = readdirSync(packs).sort();
    expect(tarballs).toEqual(['cws-cli-0.1.0.tgz', 'cws-registry-server-0.1.0.tgz']);
    for (const t of tarballs) {
      const { stdout } = await run('tar', ['-xzOf', join(packs, t), 'package/package.json']);
      expect(stdout, t).not.toContain('workspace:');
    }

    const prefix = join(work, 'prefix');
    const home = join(work, 'home');
    // npm itself from the Node running the tests (so a Node 22 pass installs with Node 22's npm).
    const nodeBin = dirname(process.execPath);
    const env = {
      PATH: [join(prefix, 'bin'), nodeBin, '/usr/bin', '/bin'].join(delimiter),
      HOME: home,
      npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? home, '.npm'),
      AWS_CONFIG_FILE: join(home, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      NO_COLOR: '1',
      // How this machine reaches the npm registry (a proxy, its CA): the user's own settings.
      ...Object.fromEntries(
        Object.entries(process.env).filter(
          ([k]) =>
            /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|(HTTPS?|NO)_PROXY)$/i.test(k) ||
            /^npm_config_(cafile|ca|proxy|https_proxy|noproxy|registry|strict_ssl)$/i.test(k),
        ),
      ),
    };
    const install = await run(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        ...tarballs.map((t) => join(packs, t)),
      ],
      { cwd: work, env, maxBuffer: 16 * 1024 * 1024 },
    );
    const npmOutput = install.stdout + install.stderr;
    expect(npmOutput).not.toMatch(/EBADENGINE|Unsupported engine/i);

    const cws = (args: string[], extra: Record<string, string> = {}) =>
      run('cws', args, { cwd: work, env: { ...env, ...extra } }).then(
        (r) => ({ ...r, code: 0 }),
        (e: { stdout: string; stderr: string; code: number }) => e,
      );
    const version = await cws(['--version']);
    expect(version.stdout).toMatch(
      new RegExp(`^@cws/cli/0\\.1\\.0 ${process.platform}-${process.arch} node-${process.version}`),
    );

    const help = await run('cws-registry', ['--help'], { cwd: work, env });
    expect(help.stdout).toContain('cws-registry serve');
    expect(help.stderr).toBe('');

    // "Did you mean" from the installed binary (our command_not_found hook, exit 2).
    const typo = await cws(['ami', 'reslove', 'python-ml']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('did you mean: cws ami resolve python-ml');

    // A resolve that reaches the AWS tiers loads the SDK (credentials present, EC2 unreachable): no Node notice.
    const resolved = await cws(['ami', 'resolve', 'python-ml', '--region', 'us-east-1', '--json'], {
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
      AWS_SECRET_ACCESS_KEY: 'not-a-secret-not-a-secret-not-a-secret00',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_MAX_ATTEMPTS: '1',
    });
    expect(resolved.stdout).toContain('"dynamic_search"');
    expect(resolved.stderr).not.toMatch(/NodeVersionSupportWarning|no longer support|require node/i);
  });
});
