import { Flags } from '@oclif/core';
import { CwsCommand } from '../base-command.js';

export interface LogoutResult {
  registry: string;
  /** revoked: the registry revoked the token; already: it did not accept it any more; unreachable: only forgotten here. */
  revoked: 'revoked' | 'already' | 'unreachable' | 'none';
  forgotten: boolean;
  config_file: string;
}

export default class Logout extends CwsCommand<LogoutResult> {
  static override summary = 'Log out of a registry: revoke the stored token on the registry and forget it';
  static override description =
    'The token is revoked on the registry first (DELETE /api/v1/me/token), then removed from the config file. When the registry cannot be reached the token is still forgotten here, and cws says so: revoke it later on the registry (cws login, then the token list) if it may have leaked.';
  static override examples = [
    '<%= config.bin %> logout',
    '<%= config.bin %> logout --registry campus',
    '<%= config.bin %> logout --registry campus --json',
  ];
  static override flags = {
    registry: Flags.string({ description: 'the registry name [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<LogoutResult> {
    const { flags } = await this.parse(Logout);
    const { pickRegistry, clientFor } = await import('../lib/registries.js');
    const ctx = await this.context();
    const config = await ctx.config();
    const entry = pickRegistry(config, flags.registry ?? (await ctx.defaultRegistry()));
    if (!entry.token) {
      this.log(`No token is stored for ${entry.name}; nothing to do.`);
      return { registry: entry.name, revoked: 'none', forgotten: false, config_file: ctx.paths.configFile };
    }
    const client = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs, retries: 1 });
    const revoked = await this.withSpinner(`Revoking the token on ${entry.name}`, () => client.revokeCurrentToken())
      .then(() => 'revoked' as const)
      .catch((err: { status?: number; unreachable?: boolean }) => {
        if (err.status === 401) return 'already' as const;
        if (err.unreachable) return 'unreachable' as const;
        throw err;
      });
    const next = {
      ...config,
      registries: config.registries.map((r) => {
        if (r.name !== entry.name) return r;
        const { token: _token, handle: _handle, ...rest } = r;
        return rest;
      }),
    };
    await ctx.saveConfig(next);
    if (revoked === 'unreachable') {
      this.warn(`${entry.name} could not be reached: the token is forgotten here but still valid on the registry`);
    }
    this.log(
      revoked === 'revoked'
        ? `Logged out of ${entry.name}: the token is revoked and removed from ${ctx.paths.configFile}.`
        : `Logged out of ${entry.name}: the token is removed from ${ctx.paths.configFile}.`,
    );
    return { registry: entry.name, revoked, forgotten: true, config_file: ctx.paths.configFile };
  }
}
