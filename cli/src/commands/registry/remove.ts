import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';
import type { RegistryView } from '../../lib/registry-config.js';

export interface RegistryRemoveResult {
  removed: RegistryView;
  registries: RegistryView[];
}

export default class RegistryRemove extends CwsCommand<RegistryRemoveResult> {
  static override summary = 'Remove a registry and the token stored for it';
  static override examples = [
    '<%= config.bin %> registry remove campus',
    '<%= config.bin %> registry remove campus --yes --json',
  ];
  static override args = { name: Args.string({ description: 'the registry name', required: true }) };
  static override flags = {
    yes: Flags.boolean({ description: 'do not ask for confirmation when a token would be deleted' }),
  };

  async run(): Promise<RegistryRemoveResult> {
    const { args, flags } = await this.parse(RegistryRemove);
    const { findRegistry } = await import('../../lib/config.js');
    const { viewOf, listViews, forgetResolutions } = await import('../../lib/registry-config.js');
    const { confirm } = await import('../../ui/confirm.js');
    const ctx = await this.context();
    const config = await ctx.config();
    const entry = findRegistry(config, args.name);
    if (entry.token && !flags.yes && !this.jsonEnabled()) {
      const ok = await confirm(`Remove ${entry.name} and forget its token?`);
      if (ok === false) {
        const { CwsError } = await import('../../lib/errors.js');
        throw new CwsError('not removed', { code: 'cancelled' });
      }
    }
    const next = { ...config, registries: config.registries.filter((r) => r.name !== entry.name) };
    await ctx.saveConfig(next);
    await forgetResolutions(ctx);
    this.log(`Removed registry ${entry.name}.`);
    return { removed: viewOf(entry), registries: listViews(next) };
  }
}
