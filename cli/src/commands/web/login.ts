import { Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export interface WebLoginResult {
  url: string;
  expires_at: string;
}

export default class WebLogin extends CwsCommand<WebLoginResult> {
  static override summary = "A one-time link that signs you in to the registry's web pages";
  static override description =
    'Uses your stored token (cws login). The link works once, for 5 minutes; anyone who has it can sign in as you, so do not share it.';
  static override examples = [
    '<%= config.bin %> web login',
    '<%= config.bin %> web login --registry campus --open',
    '<%= config.bin %> web login --json',
  ];
  static override flags = {
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
    open: Flags.boolean({ description: 'open the link in your browser' }),
  };

  async run(): Promise<WebLoginResult> {
    const { flags } = await this.parse(WebLogin);
    const { pickRegistry, clientFor, registryFailure, loginSuggestions } = await import('../../lib/registries.js');
    const { CwsError } = await import('../../lib/errors.js');
    const ctx = await this.context();
    const entry = pickRegistry(await ctx.config(), flags.registry ?? (await ctx.defaultRegistry()));
    const login = [...loginSuggestions(entry), `or prove your AWS account: cws login --aws --registry ${entry.name}`];
    if (!entry.token) {
      throw new CwsError(`no token is stored for ${entry.name}`, {
        code: 'unauthorized',
        suggestions: login,
      });
    }
    const client = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs, retries: 0 });
    const code = await this.withSpinner(`Asking ${entry.name} for a sign-in link`, () =>
      client.createLoginCode(),
    ).catch((err) => {
      const e = err as { status?: number; retryAfterMs?: number };
      if (e.status === 401) {
        throw new CwsError(`${entry.name} no longer accepts your token (expired or revoked)`, {
          code: 'unauthorized',
          suggestions: login,
        });
      }
      if (e.status === 429) {
        const wait = e.retryAfterMs === undefined ? 'a minute' : `${Math.ceil(e.retryAfterMs / 1000)} s`;
        throw new CwsError(`${entry.name} is rate limiting sign-in links; try again in ${wait}`, {
          code: 'rate_limited',
          suggestions: [`wait ${wait}, then: cws web login`],
          data: { retry_after_seconds: e.retryAfterMs === undefined ? null : Math.ceil(e.retryAfterMs / 1000) },
        });
      }
      throw registryFailure(err, entry, 'create a sign-in link');
    });
    const until = new Date(code.expires_at);
    const hhmm = `${String(until.getHours()).padStart(2, '0')}:${String(until.getMinutes()).padStart(2, '0')}`;
    const minutes = Math.max(1, Math.round((until.getTime() - Date.now()) / 60_000));
    this.log(code.url);
    this.log(`Works once, until ${hhmm} (${minutes} minutes); anyone with this link can sign in as you.`);
    if (flags.open && !this.jsonEnabled()) {
      const { spawn } = await import('node:child_process');
      const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
      spawn(opener, [code.url], { stdio: 'ignore', detached: true })
        .on('error', () => this.warn(`could not open a browser (${opener}); open the link above yourself`))
        .unref();
    }
    return { url: code.url, expires_at: code.expires_at };
  }
}
