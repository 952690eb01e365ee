import { Flags } from '@oclif/core';
import { CwsCommand } from '../base-command.js';

export interface LoginResult {
  registry: string;
  url: string;
  handle: string;
  display_name: string | null;
  role: string;
  config_file: string;
  /** With --sso: the token's expiry. */
  sso?: { token_expires_at: string | null };
  /** With --aws: the proven account, and whether a new token was stored (else the existing one was kept). */
  aws?: { account_id: string; arn: string; linked: boolean; user_created: boolean; token_stored: boolean };
}

export default class Login extends CwsCommand<LoginResult> {
  static override summary =
    "Log in to a registry: with an API token, by your institution's sign-in in a browser (--sso), or by proving your AWS account (--aws)";
  static override description =
    'A token is checked with GET /api/v1/me, then saved in the config file (mode 0600). It is never printed. Pass --token - to read it from standard input instead of the command line.\n\n--aws signs sts:GetCallerIdentity with your AWS credentials for this registry only (no key leaves your machine); the registry asks STS who you are and returns a token for the user linked to that account (creating one when the registry allows). When a token is stored already, the account is linked to that user instead.\n\n--sso signs you in through the registry’s web pages (your institution’s single sign-on): cws prints a URL and a code, you open the URL (--open does it), sign in, check the code and approve; cws then stores a token of yours for 90 days. cws logout revokes it.';
  static override examples = [
    '<%= config.bin %> login --registry community --token cws_0123456789abcdef',
    '<%= config.bin %> login --registry https://cws.campus.example.edu --token cws_0123456789abcdef',
    'pass show cws/campus | <%= config.bin %> login --registry campus --token -',
    '<%= config.bin %> login --sso --registry campus',
    '<%= config.bin %> login --sso --registry campus --open',
    '<%= config.bin %> login --aws --registry community',
    'AWS_PROFILE=research <%= config.bin %> login --aws --json',
  ];
  static override flags = {
    registry: Flags.string({
      description:
        'the registry name, or its URL (as the account page prints it: added under a name of its own if new) [default: CWS_REGISTRY, else the first by priority]',
    }),
    token: Flags.string({
      description: 'the API token, or - to read it from standard input',
      exclusive: ['aws', 'sso'],
    }),
    aws: Flags.boolean({
      description: 'prove your AWS account (current AWS credentials) instead of giving a token',
      exclusive: ['sso'],
    }),
    sso: Flags.boolean({ description: "sign in with your institution's single sign-on in a browser (device code)" }),
    open: Flags.boolean({ description: 'with --sso: open the sign-in page in your browser', dependsOn: ['sso'] }),
  };

  async run(): Promise<LoginResult> {
    const { flags } = await this.parse(Login);
    const { pickRegistry, clientFor, registryFailure, tokenPageUrl } = await import('../lib/registries.js');
    const { CwsError } = await import('../lib/errors.js');
    const ctx = await this.context();
    let config = await ctx.config();
    let added = false;
    if (flags.registry && /^https?:\/\//i.test(flags.registry)) {
      const { registryForUrl } = await import('../lib/registry-config.js');
      ({ config, added } = registryForUrl(config, flags.registry));
      // --sso and --aws read the registry back from the file: save it first.
      if (added && (flags.aws || flags.sso)) await ctx.saveConfig(config);
      flags.registry = registryForUrl(config, flags.registry).name;
    }
    const entry = pickRegistry(config, flags.registry ?? (await ctx.defaultRegistry()));
    const addedNote = added ? ` Registry ${entry.name} (${entry.url}) was added; cws registry list shows it.` : '';
    if (added && (flags.aws || flags.sso)) this.log(addedNote.trim());
    if (flags.aws) return this.awsLogin(entry.name);
    if (flags.sso) return this.ssoLogin(entry.name, flags.open);
    if (flags.token === undefined) {
      throw new CwsError('give --token TOKEN, or prove your AWS account with --aws', {
        code: 'usage',
        suggestions: [`cws login --aws --registry ${entry.name}`, `cws login --registry ${entry.name} --token TOKEN`],
      });
    }
    const token = flags.token === '-' ? await readStdin() : flags.token.trim();
    if (!token) {
      throw new CwsError('the token is empty', {
        code: 'usage',
        suggestions: [
          `create a token on ${tokenPageUrl(entry)}, then: cws login --registry ${entry.name} --token TOKEN`,
        ],
      });
    }
    const client = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs }, token);
    const me = await this.withSpinner(`Checking the token with ${entry.name}`, () => client.me()).catch((err) => {
      if ((err as { status?: number }).status === 401) {
        throw new CwsError(
          `${entry.name} did not accept this token (mistyped, expired or revoked?); nothing was saved`,
          {
            code: 'unauthorized',
            suggestions: [`create a new token on ${tokenPageUrl(entry)}, then log in again`],
          },
        );
      }
      throw registryFailure(err, entry, `login to ${entry.name}`);
    });
    const next = {
      ...config,
      registries: config.registries.map((r) => (r.name === entry.name ? { ...r, token, handle: me.handle } : r)),
    };
    await ctx.saveConfig(next);
    this.log(`Logged in to ${entry.name} as ${me.handle}. The token is stored in ${ctx.paths.configFile}.${addedNote}`);
    return {
      registry: entry.name,
      url: entry.url,
      handle: me.handle,
      display_name: me.display_name,
      role: me.role,
      config_file: ctx.paths.configFile,
    };
  }

  private async ssoLogin(registry: string, open: boolean): Promise<LoginResult> {
    const { findRegistry } = await import('../lib/config.js');
    const { clientFor, registryFailure } = await import('../lib/registries.js');
    const { clientName, pollForToken } = await import('../lib/sso.js');
    const ctx = await this.context();
    const config = await ctx.config();
    const entry = findRegistry(config, registry);
    // No token: the device code is the credential (an old stored token must not be sent along).
    const anonymous = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs, retries: 0 }, '');
    const code = await anonymous.startDeviceLogin({ client_name: clientName() }).catch((err) => {
      throw registryFailure(err, entry, `start a sign-in with ${entry.name}`);
    });
    // The person needs these even under --json: they go to stderr then.
    const say = (line: string) => (this.jsonEnabled() ? process.stderr.write(`${line}\n`) : this.log(line));
    say(`Open ${code.verification_uri_complete}`);
    say(
      `and check that it shows the code ${code.user_code}. Sign in and approve; waiting (the code works for ${Math.round(code.expires_in / 60)} minutes) ...`,
    );
    if (open) {
      const { spawn } = await import('node:child_process');
      const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
      spawn(opener, [code.verification_uri_complete], { stdio: 'ignore', detached: true })
        .on('error', () => this.warn(`could not open a browser (${opener}); open the URL above yourself`))
        .unref();
    }
    const token = await pollForToken(anonymous, code, { registry: entry.name });
    const me = await clientFor(entry, { timeoutMs: ctx.registryTimeoutMs }, token.access_token)
      .me()
      .catch((err) => {
        throw registryFailure(err, entry, `check the new token with ${entry.name}`);
      });
    const next = {
      ...config,
      registries: config.registries.map((r) =>
        r.name === entry.name ? { ...r, token: token.access_token, handle: me.handle } : r,
      ),
    };
    await ctx.saveConfig(next);
    this.log(`Logged in to ${entry.name} as ${me.handle}. The token is stored in ${ctx.paths.configFile}.`);
    return {
      registry: entry.name,
      url: entry.url,
      handle: me.handle,
      display_name: me.display_name,
      role: me.role,
      config_file: ctx.paths.configFile,
      sso: { token_expires_at: token.expires_at },
    };
  }

  private async awsLogin(registry: string): Promise<LoginResult> {
    const { findRegistry } = await import('../lib/config.js');
    const { proveAccount } = await import('../lib/publish/account.js');
    const { CwsError } = await import('../lib/errors.js');
    const ctx = await this.context();
    const config = await ctx.config();
    const entry = findRegistry(config, registry);
    const { proof } = await this.withSpinner(`Proving your AWS account to ${entry.name}`, () =>
      proveAccount(ctx, entry, entry.token),
    );
    const newToken = proof.token?.token;
    if (!entry.token && !newToken) {
      throw new CwsError(`${entry.name} proved the account but returned no token`, {
        code: 'no_token',
      });
    }
    const handle = proof.user.handle;
    const next = {
      ...config,
      registries: config.registries.map((r) =>
        r.name === entry.name ? { ...r, token: newToken ?? r.token, handle } : r,
      ),
    };
    await ctx.saveConfig(next);
    this.log(
      newToken
        ? `Logged in to ${entry.name} as ${handle} with AWS account ${proof.account_id}${proof.user_created ? ' (new user)' : ''}. The token is stored in ${ctx.paths.configFile}.`
        : `AWS account ${proof.account_id} is ${proof.linked ? 'now linked to' : 'linked to'} ${handle} on ${entry.name}.`,
    );
    return {
      registry: entry.name,
      url: entry.url,
      handle,
      display_name: proof.user.display_name,
      role: proof.user.role,
      config_file: ctx.paths.configFile,
      aws: {
        account_id: proof.account_id,
        arn: proof.arn,
        linked: proof.linked,
        user_created: proof.user_created,
        token_stored: Boolean(newToken),
      },
    };
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}
