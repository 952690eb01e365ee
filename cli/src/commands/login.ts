import { Flags } from '@oclif/core';
import { CwsCommand } from '../base-command.js';

export interface LoginResult {
  registry: string;
  url: string;
  handle: string;
  display_name: string | null;
  role: string;
  config_file: string;
}

export default class Login extends CwsCommand<LoginResult> {
  static override summary = 'Store an API token for a registry, after checking it with the registry';
  static override description =
    'The token is checked with GET /api/v1/me, then saved in the config file (mode 0600). It is never printed. Pass --token - to read it from standard input instead of the command line.';
  static override examples = [
    '<%= config.bin %> login --registry community --token cws_0123456789abcdef',
    'pass show cws/campus | <%= config.bin %> login --registry campus --token -',
  ];
  static override flags = {
    registry: Flags.string({ description: 'the registry name (see: cws registry list)', required: true }),
    token: Flags.string({ description: 'the API token, or - to read it from standard input', required: true }),
  };

  async run(): Promise<LoginResult> {
    const { flags } = await this.parse(Login);
    const { findRegistry } = await import('../lib/config.js');
    const { clientFor, registryFailure } = await import('../lib/registries.js');
    const { CwsError, EXIT } = await import('../lib/errors.js');
    const ctx = await this.context();
    const config = await ctx.config();
    const entry = findRegistry(config, flags.registry);
    const token = flags.token === '-' ? await readStdin() : flags.token.trim();
    if (!token) {
      throw new CwsError('the token is empty', {
        code: 'usage',
        exit: EXIT.usage,
        suggestions: ['create a token on the registry, then: cws login --registry NAME --token TOKEN'],
      });
    }
    const client = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs }, token);
    const me = await this.withSpinner(`Checking the token with ${entry.name}`, () => client.me()).catch((err) => {
      if ((err as { status?: number }).status === 401) {
        throw new CwsError(
          `${entry.name} did not accept this token (mistyped, expired or revoked?); nothing was saved`,
          {
            code: 'unauthorized',
            exit: EXIT.auth,
            suggestions: [`create a new token on ${entry.url}, then log in again`],
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
    this.log(`Logged in to ${entry.name} as ${me.handle}. The token is stored in ${ctx.paths.configFile}.`);
    return {
      registry: entry.name,
      url: entry.url,
      handle: me.handle,
      display_name: me.display_name,
      role: me.role,
      config_file: ctx.paths.configFile,
    };
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}
