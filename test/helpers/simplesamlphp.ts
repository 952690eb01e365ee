import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real SAML identity provider for tests: Debian's SimpleSAMLphp served by PHP's built-in
 * server on loopback, configured entirely from a temporary folder (SIMPLESAMLPHP_CONFIG_DIR).
 * Each call gets its own port and folder.
 */
export const SIMPLESAMLPHP_WWW = process.env.CWS_SIMPLESAMLPHP_WWW ?? '/usr/share/simplesamlphp/www';
const PHP = process.env.CWS_PHP ?? 'php';

function phpWorks(): boolean {
  try {
    const mods = execFileSync(PHP, ['-m'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return /^dom$/m.test(mods);
  } catch {
    return false;
  }
}

/** Whether SAML tests against SimpleSAMLphp run here. Under CI=true they never skip: a missing IdP fails. */
export const IDP_AVAILABLE = (existsSync(SIMPLESAMLPHP_WWW) && phpWorks()) || process.env.CI === 'true';
if (!IDP_AVAILABLE) {
  console.warn(
    'skipping SAML tests against SimpleSAMLphp: no php (with php-xml) or no /usr/share/simplesamlphp ' +
      '(apt-get install -y simplesamlphp php-cli php-xml)',
  );
}

export interface IdpUser {
  username: string;
  password: string;
  attributes: Record<string, string[]>;
}

export interface SimpleSamlIdp {
  url: string;
  port: number;
  /** Entity id and metadata URL. */
  metadataUrl: string;
  entityId: string;
  dir: string;
  /** The IdP's signing certificate and key (PEM). */
  certPem: string;
  keyPem: string;
  /** Rewrites the users and their attributes (PHP reads the file on every request). */
  setUsers(users: IdpUser[]): void;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const php = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(php).join(', ')}]`;
  if (value && typeof value === 'object') {
    return `[${Object.entries(value)
      .map(([k, v]) => `${php(k)} => ${php(v)}`)
      .join(', ')}]`;
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  return `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
};

/** A self-signed certificate and key made by openssl. */
export function selfSigned(dir: string, name: string, cn = 'test-idp'): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${cn}`],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

/**
 * Starts SimpleSAMLphp as IdP for one SP (entity id and ACS exactly as the registry sends
 * them, port included), with exampleauth:UserPass users.
 */
export async function startSimpleSamlIdp(opts: {
  spEntityId: string;
  acsUrl: string;
  sloUrl?: string;
  users: IdpUser[];
  port?: number;
  /** The SP's certificate (PEM): the IdP then requires signed AuthnRequests and encrypts assertions to it. */
  spCertPem?: string;
}): Promise<SimpleSamlIdp> {
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'cws-ssp-'));
  for (const sub of ['cert', 'metadata', 'log', 'data', 'tmp']) mkdirSync(join(dir, sub));
  const { cert, key } = selfSigned(join(dir, 'cert'), 'idp', `idp-${port}`);
  const secret = randomBytes(16).toString('hex');
  const config = {
    baseurlpath: `${url}/`,
    certdir: `${dir}/cert/`,
    loggingdir: `${dir}/log/`,
    datadir: `${dir}/data/`,
    tempdir: `${dir}/tmp`,
    metadatadir: `${dir}/metadata/`,
    technicalcontact_name: 'Tests',
    technicalcontact_email: 'tests@example.org',
    timezone: 'UTC',
    secretsalt: secret,
    'auth.adminpassword': randomBytes(12).toString('hex'),
    'admin.protectindexpage': false,
    'admin.protectmetadata': false,
    'logging.handler': 'file',
    'logging.logfile': 'simplesamlphp.log',
    'enable.saml20-idp': true,
    'module.enable': { exampleauth: true, core: true, saml: true },
    // Plain http on loopback: secure cookies would never come back, SameSite=None needs https.
    'session.cookie.secure': false,
    'session.cookie.samesite': null,
    'session.phpsession.cookiename': `IDPSESS${port}`,
    'session.cookie.name': `IdpSession${port}`,
    'session.authtoken.cookiename': `IdpAuthToken${port}`,
    'store.type': 'phpsession',
    'metadata.sources': [{ type: 'flatfile', directory: `${dir}/metadata` }],
  };
  writeFileSync(join(dir, 'config.php'), `<?php\n$config = ${php(config)};\n`);
  const setUsers = (users: IdpUser[]) => {
    const userpass: Record<string, unknown> = { 0: 'exampleauth:UserPass' };
    for (const u of users) userpass[`${u.username}:${u.password}`] = u.attributes;
    writeFileSync(
      join(dir, 'authsources.php'),
      `<?php\n$config = ${php({ admin: ['core:AdminPassword'], 'example-userpass': userpass })};\n`,
    );
  };
  setUsers(opts.users);
  writeFileSync(
    join(dir, 'metadata', 'saml20-idp-hosted.php'),
    `<?php\n$metadata['__DYNAMIC:1__'] = ${php({
      host: '__DEFAULT__',
      privatekey: 'idp.key',
      certificate: 'idp.crt',
      auth: 'example-userpass',
      'saml20.sign.assertion': true,
      // Sign logout messages: the registry hears only signed LogoutRequests.
      'sign.logout': true,
    })};\n`,
  );
  const sp: Record<string, unknown> = {
    AssertionConsumerService: opts.acsUrl,
    NameIDFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
  };
  if (opts.sloUrl) sp.SingleLogoutService = opts.sloUrl;
  if (opts.spCertPem) {
    sp.certData = opts.spCertPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    sp['validate.authnrequest'] = true;
    sp['assertion.encryption'] = true;
  }
  writeFileSync(
    join(dir, 'metadata', 'saml20-sp-remote.php'),
    `<?php\n$metadata[${php(opts.spEntityId)}] = ${php(sp)};\n`,
  );
  const child: ChildProcess = spawn(
    PHP,
    ['-d', 'opcache.enable=0', '-d', 'opcache.enable_cli=0', '-S', `127.0.0.1:${port}`, '-t', SIMPLESAMLPHP_WWW],
    {
      env: { ...process.env, SIMPLESAMLPHP_CONFIG_DIR: dir },
      stdio: ['ignore', 'ignore', 'pipe'],
      // Its own process group: PHP_CLI_SERVER_WORKERS children die with it.
      detached: true,
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const metadataUrl = `${url}/saml2/idp/metadata.php`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`SimpleSAMLphp exited: ${stderr}`);
    const ok = await fetch(metadataUrl)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`SimpleSAMLphp did not answer at ${metadataUrl}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    metadataUrl,
    entityId: metadataUrl,
    dir,
    certPem: cert,
    keyPem: key,
    setUsers,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
